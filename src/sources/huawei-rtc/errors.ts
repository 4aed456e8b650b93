// What SparkRTC and its API Gateway answer when something is wrong: each code
// with what it means for the operator. The core's classifier applies it.
import type { VendorErrors } from '../../upstream/classify.js';

export const HUAWEI_ERRORS: VendorErrors = {
  vendor: 'Huawei Cloud',
  requestIdHeader: 'X-Request-Id',
  read: (body) => ({
    code: typeof body.error_code === 'string' ? body.error_code : undefined,
    message: typeof body.error_msg === 'string' ? body.error_msg : undefined,
  }),
  codes: {
    'APIGW.0301': { outcome: 'auth_error', meaning: 'IAM rejected the credentials: check the AK/SK or token' },
    'APIGW.0303': { outcome: 'auth_error', meaning: 'the request date is more than 15 minutes off: check the clock of this host' },
    'APIGW.0308': {
      outcome: 'throttled',
      meaning: 'throttled: the account is over its request budget; lower huawei_rtc.budget.requests if other clients share it',
    },
    'APIGW.0101': { outcome: 'client_error', meaning: 'API not found: check endpoint and project_id' },
    'RTC.00001001': { outcome: 'auth_error', meaning: 'unauthorized: check the credentials and the IAM permissions for RTC' },
    'DATA.100011001': { outcome: 'client_error', meaning: 'a mandatory parameter is missing (exporter bug: please report)' },
    'RTC.00001002': { outcome: 'client_error', meaning: 'malformed request (exporter bug: please report)' },
    'RTC.00001003': { outcome: 'client_error', meaning: 'invalid parameter value: check app_id, room ids and mids in the config' },
    'RTC.00001004': { outcome: 'client_error', meaning: 'invalid parameter combination: check the config filters' },
    'RTC.00001005': { outcome: 'client_error', meaning: 'a mandatory parameter is missing (exporter bug: please report)' },
    'RTC.00002*': { outcome: 'server_error', meaning: 'internal error at Huawei Cloud; retried with back-off' },
  },
};
