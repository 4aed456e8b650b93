// The abnormal-events API's codes and the English descriptions the simulator
// sends in `abnormal_type_desc` / `abnormal_factor_desc` (the vendor localizes
// them; these follow the documented Chinese meanings).

export const TYPE_DESC: Readonly<Record<number, string>> = {
  1: 'Slow join (failed to join the room within 5s)',
  2: 'Video freeze',
  3: 'Audio freeze',
};

/** Factors of a slow join (abnormal_type 1). */
export const JOIN_FACTOR_DESC: Readonly<Record<number, string>> = {
  1: 'Connection setup failed',
  2: 'Room not idle',
  3: 'Server error',
  4: 'Server returned 503',
  5: 'Authentication failed',
  6: 'Authentication retry',
  7: 'Clock synchronization failed',
  8: 'URL error',
  9: 'Client internal error',
  15: 'Browser failed to set SDP',
};

/** Factors of a video or audio freeze (abnormal_type 2 or 3). */
export const FREEZE_FACTOR_DESC: Readonly<Record<number, string>> = {
  1: 'High system CPU usage',
  2: 'High app CPU usage',
  3: 'Audio uplink network delay',
  4: 'Audio uplink network jitter',
  5: 'Video uplink network delay',
  6: 'Video uplink network jitter',
  7: 'Audio downlink network delay',
  8: 'Audio downlink network jitter',
  9: 'Video downlink network delay',
  10: 'Video downlink network jitter',
  11: 'Uplink audio packet loss',
  12: 'Uplink video packet loss',
  13: 'Downlink audio packet loss',
  14: 'Downlink video packet loss',
  15: 'No downlink audio',
  16: 'Other',
  17: 'Peer user offline',
  18: 'Peer user sends no stream',
  19: 'Peer user sends no frames',
  20: 'No downlink stream from the local server',
  21: 'No downlink frames from the local server',
};

/** A factor code the documentation does not list, so consumers meet one. */
export const UNLISTED_FACTOR = 99;

/** The vendor's description of a factor: "Other" when nothing else fits, as documented. */
export function factorDesc(type: number, factor: number): string {
  return (type === 1 ? JOIN_FACTOR_DESC : FREEZE_FACTOR_DESC)[factor] ?? 'Other';
}
