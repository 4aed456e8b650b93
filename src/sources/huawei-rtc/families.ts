// The one table that turns SparkRTC metric ids (mid) into Prometheus families
// in base units. Units the vendor does not document are marked as guesses and
// can be overridden in config (huawei_rtc.units).
import type { FamilySpec } from '../../source.js';

/** Units the API may report in; each maps to one base unit. */
export const UPSTREAM_UNITS = {
  percent: { factor: 0.01, base: 'ratio' },
  ratio: { factor: 1, base: 'ratio' },
  ms: { factor: 0.001, base: 'seconds' },
  s: { factor: 1, base: 'seconds' },
  // Prometheus counts data in bytes: a kbit is 1000 bits, 8 bits a byte.
  'kbit/s': { factor: 125, base: 'bytes/s' },
  'bit/s': { factor: 0.125, base: 'bytes/s' },
  'frames/s': { factor: 1, base: 'frames/s' },
  pixels: { factor: 1, base: 'pixels' },
} as const;

export type UpstreamUnit = keyof typeof UPSTREAM_UNITS;

interface MidDef {
  /** Family name without the huaweicloud_rtc_ prefix. */
  family: string;
  what: string;
  unit: UpstreamUnit;
  /** True when the vendor documents the unit; false marks our inference. */
  documented: boolean;
}

const m = (family: string, what: string, unit: UpstreamUnit, documented: boolean): MidDef => ({ family, what, unit, documented });

export const MID_TABLE: Readonly<Record<string, MidDef>> = {
  appcpu: m('app_cpu_usage_ratio', 'CPU usage of the app', 'percent', false),
  syscpu: m('system_cpu_usage_ratio', 'CPU usage of the whole device', 'percent', false),
  abit: m('audio_bitrate_bytes_per_second', 'Audio bitrate', 'kbit/s', true),
  vbit: m('video_bitrate_bytes_per_second', 'Video bitrate', 'kbit/s', true),
  dbit: m('screen_share_bitrate_bytes_per_second', 'Screen-share bitrate', 'kbit/s', true),
  vfps: m('video_frames_per_second', 'Video frame rate', 'frames/s', true),
  dfps: m('screen_share_frames_per_second', 'Screen-share frame rate', 'frames/s', true),
  ablock: m('audio_freeze_ratio', 'Audio freeze rate (a freeze is >= 600 ms)', 'percent', false),
  vblock: m('video_freeze_ratio', 'Video freeze rate (a freeze is >= 600 ms)', 'percent', false),
  dblock: m('screen_share_freeze_ratio', 'Screen-share freeze rate (a freeze is >= 600 ms)', 'percent', false),
  aloss: m('audio_packet_loss_ratio', 'Audio packet loss rate', 'percent', false),
  vloss: m('video_packet_loss_ratio', 'Video packet loss rate', 'percent', false),
  dloss: m('screen_share_packet_loss_ratio', 'Screen-share packet loss rate', 'percent', false),
  vwidth: m('video_width_pixels', 'Video width', 'pixels', false),
  vheight: m('video_height_pixels', 'Video height', 'pixels', false),
  dwidth: m('screen_share_width_pixels', 'Screen-share width', 'pixels', false),
  dheight: m('screen_share_height_pixels', 'Screen-share height', 'pixels', false),
  ajitter: m('audio_jitter_seconds', 'Audio jitter', 'ms', false),
  vjitter: m('video_jitter_seconds', 'Video jitter', 'ms', false),
  djitter: m('screen_share_jitter_seconds', 'Screen-share jitter', 'ms', false),
  artt: m('audio_rtt_seconds', 'Audio round-trip time', 'ms', false),
  vrtt: m('video_rtt_seconds', 'Video round-trip time', 'ms', false),
  drtt: m('screen_share_rtt_seconds', 'Screen-share round-trip time', 'ms', false),
};

export const PREFIX = 'huaweicloud_rtc_';

export interface MidFamily {
  spec: FamilySpec;
  factor: number;
  /** Largest value that makes sense in the base unit (1 for ratios); every base unit starts at 0. */
  max: number;
}

/** value × factor, rounded to 15 significant digits so that 13.7 % gives 0.137, not 0.13699999999999998. */
export function convert(value: number, factor: number): number {
  return factor === 1 ? value : Number((value * factor).toPrecision(15));
}

/** Family and conversion factor for every known mid, after config overrides of upstream units. */
export function buildMidFamilies(overrides: Readonly<Record<string, UpstreamUnit>> = {}): Map<string, MidFamily> {
  const out = new Map<string, MidFamily>();
  for (const [mid, def] of Object.entries(MID_TABLE)) {
    const unit = overrides[mid] ?? def.unit;
    const { factor } = UPSTREAM_UNITS[unit];
    const origin = overrides[mid] ? 'set in config' : def.documented ? 'documented' : 'assumed; override with huawei_rtc.units';
    const { base } = UPSTREAM_UNITS[unit];
    const conversion = factor === 1 ? 'no conversion' : `× ${factor} to ${base}${base === 'bytes/s' ? ' (bits ÷ 8)' : ''}`;
    out.set(mid, {
      spec: {
        name: `${PREFIX}${def.family}`,
        help: `${def.what}. Upstream mid ${mid}, unit ${unit} (${origin}); ${conversion}.`,
        type: 'gauge',
      },
      factor,
      max: UPSTREAM_UNITS[unit].base === 'ratio' ? 1 : Infinity,
    });
  }
  return out;
}

/** Metrics the table does not know yet: never dropped, exported raw with a mid label. */
export const UNKNOWN_MID_FAMILY: FamilySpec = {
  name: `${PREFIX}qos_value`,
  help: 'Latest value of a SparkRTC metric id (label mid) this exporter has no unit for; the upstream value, unconverted.',
  type: 'gauge',
};

export const ROOM_LAST_SAMPLE: FamilySpec = {
  name: `${PREFIX}room_last_sample_timestamp_seconds`,
  help: 'Unix time of the newest data point received for the room (any user, any mid).',
  type: 'gauge',
};

export const ROOM_LAST_REFRESH: FamilySpec = {
  name: `${PREFIX}room_last_refresh_timestamp_seconds`,
  help: 'Unix time at which the exporter last fetched the room successfully; time() minus this is the data age.',
  type: 'gauge',
};
