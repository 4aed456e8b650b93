// What Wangsu answers when something is wrong: every code of the seed's table
// with what it means for this exporter, throttling, and the statuses Wangsu
// uses for credentials. The core's classifier applies it (and reports XML or
// HTML bodies, never trusting them).
import type { VendorErrors } from '../../upstream/classify.js';
import { REQUEST_ID_HEADER } from './client.js';

export const THROTTLE_CODE = 'WPLUS_AccountApiTooFrequence';
/** The code Wangsu gives when a domain has more streams than one group takes. */
export const TOO_MANY_STREAMS_CODE = '24102010';

export const WANGSU_ERRORS: VendorErrors = {
  vendor: 'Wangsu',
  requestIdHeader: REQUEST_ID_HEADER,
  read: (body) => ({
    code: typeof body.code === 'string' || typeof body.code === 'number' ? String(body.code) : undefined,
    message: typeof body.message === 'string' ? body.message : typeof body.result === 'string' ? body.result : undefined,
  }),
  successCodes: ['0'],
  throttleStatuses: [446],
  authStatuses: [462],
  // The seed's error table (24102008 covers several parameters).
  codes: {
    [THROTTLE_CODE]: { outcome: 'throttled', meaning: "the account's API budget is used up; every Wangsu request of the account pauses" },
    '24102013': { outcome: 'client_error', meaning: 'Accept header not supported (JSON or XML only)' },
    '24102014': { outcome: 'client_error', meaning: 'request body missing or Content-Type not set' },
    '24102020': { outcome: 'client_error', meaning: 'X-Time-Zone header invalid; check wangsu_cdn.time_zone' },
    '24102002': { outcome: 'client_error', meaning: 'request body is not valid JSON' },
    '24102006': { outcome: 'client_error', meaning: 'dateFrom/dateTo invalid, in the future, reversed or older than half a year' },
    '24102007': { outcome: 'client_error', meaning: 'dateFrom and dateTo too far apart; wangsu_cdn.window must not exceed the account limit' },
    '24102019': { outcome: 'client_error', meaning: 'too many domains in one request; lower wangsu_cdn.max_groups_per_request' },
    '24102008': { outcome: 'client_error', meaning: 'a parameter is missing or invalid (the message names it)' },
    '24102500': { outcome: 'server_error', meaning: 'Wangsu internal error; retried with back-off' },
    [TOO_MANY_STREAMS_CODE]: {
      outcome: 'client_error',
      meaning: 'too many streams for one domain group; the domain is listed and split at the next key listing',
    },
  },
};
