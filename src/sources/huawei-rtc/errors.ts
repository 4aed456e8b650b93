// Turns SparkRTC / API Gateway error answers into classified errors with a
// message that tells the operator what to do.
import { z } from 'zod';
import { UpstreamError, type Outcome, type UpstreamResponse } from '../../http.js';

const errorBody = z.looseObject({ error_code: z.string(), error_msg: z.string().optional() });

const HINTS: Record<string, string> = {
  'APIGW.0301': 'IAM rejected the credentials: check the AK/SK or token',
  'APIGW.0303': 'the request date is more than 15 minutes off: check the clock of this host',
  'APIGW.0308': 'throttled: the account is over its request budget; lower budget.requests_per_minute if other clients share it',
  'APIGW.0101': 'API not found: check endpoint and project_id',
  'RTC.00001001': 'unauthorized: check the credentials and the IAM permissions for RTC',
  'DATA.100011001': 'a mandatory parameter is missing (exporter bug: please report)',
  'RTC.00001002': 'malformed request (exporter bug: please report)',
  'RTC.00001003': 'invalid parameter value: check app_id, room ids and mids in the config',
  'RTC.00001004': 'invalid parameter combination: check the config filters',
  'RTC.00001005': 'a mandatory parameter is missing (exporter bug: please report)',
};

function outcomeFor(status: number, code: string | undefined): Exclude<Outcome, 'success'> {
  if (code === 'APIGW.0308' || status === 429) return 'throttled';
  if (code === 'APIGW.0301' || code === 'APIGW.0303' || code === 'RTC.00001001' || status === 401 || status === 403) return 'auth_error';
  if (status >= 500 || code?.startsWith('RTC.00002')) return 'server_error';
  return 'client_error';
}

/** Classification hook for UpstreamApi: undefined for a 2xx answer. */
export function classifyHuawei(res: UpstreamResponse): UpstreamError | undefined {
  if (res.status >= 200 && res.status < 300) return undefined;
  let code: string | undefined;
  let msg: string | undefined;
  try {
    const parsed = errorBody.safeParse(JSON.parse(res.body));
    if (parsed.success) ({ error_code: code, error_msg: msg } = parsed.data);
  } catch {
    // Not JSON (a proxy's HTML page): the status alone classifies it.
  }
  const hint = (code && HINTS[code]) ?? (code?.startsWith('RTC.00002') ? 'internal error at Huawei Cloud; retried with back-off' : undefined);
  const parts = [`HTTP ${res.status}`, code, msg?.slice(0, 200), hint].filter(Boolean);
  return new UpstreamError({ outcome: outcomeFor(res.status, code), message: parts.join(': '), status: res.status, code, requestId: res.requestId });
}
