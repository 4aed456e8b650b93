// The app-wide real-time figures: one table from the upstream metric names of
// realtime/quality, realtime/network and realtime/scale to Prometheus families
// in base units, and the conversion of one answer into samples.
import { tupleKey } from '../../labels.js';
import type { Sample } from '../../series-writer.js';
import type { FamilySpec } from '../../source.js';
import { convert, PREFIX, UPSTREAM_UNITS, type UpstreamUnit } from './families.js';

/** The three realtime APIs, by the path segment after /rtc/realtime/ (also the answer's array key). */
export type RealtimeApi = 'quality' | 'network' | 'scale';

interface AppMetricDef {
  api: RealtimeApi;
  /** Family name without the huaweicloud_rtc_ prefix. */
  family: string;
  what: string;
  /** Rates: the API documents no unit; percent is inferred (override in huawei_rtc.units). Counts: documented integers. */
  unit: 'percent' | 'count';
}

const def = (api: RealtimeApi, family: string, what: string, unit: AppMetricDef['unit'] = 'percent'): AppMetricDef => ({ api, family, what, unit });

export const APP_METRIC_TABLE: Readonly<Record<string, AppMetricDef>> = {
  JoinSuccessRate: def('quality', 'app_join_success_ratio', 'Share of join attempts that joined the room'),
  JoinSuccess5SecsRate: def('quality', 'app_join_within_5s_ratio', 'Share of join attempts that joined the room within 5 s'),
  VideoFreezeRate: def('quality', 'app_video_freeze_ratio', 'Video freeze rate of the app'),
  AudioFreezeRate: def('quality', 'app_audio_freeze_ratio', 'Audio freeze rate of the app'),
  VideoUpstreamExcellentTransRate: def('network', 'app_video_uplink_excellent_ratio', 'Share of video uplink transmission rated excellent'),
  AudioUpstreamExcellentTransRate: def('network', 'app_audio_uplink_excellent_ratio', 'Share of audio uplink transmission rated excellent'),
  VideoExcellentTransRate: def('network', 'app_video_excellent_ratio', 'Share of end-to-end video transmission rated excellent'),
  AudioExcellentTransRate: def('network', 'app_audio_excellent_ratio', 'Share of end-to-end audio transmission rated excellent'),
  OnlineUsers: def('scale', 'app_online_users', 'Users online in the app (a user in n rooms counts n times)', 'count'),
  RoomCount: def('scale', 'app_rooms', 'Rooms online in the app', 'count'),
};

/** The app metrics whose upstream unit config may override (the rates). */
export const APP_RATE_METRICS = Object.keys(APP_METRIC_TABLE).filter((k) => APP_METRIC_TABLE[k]!.unit === 'percent');

export const APP_LAST_SAMPLE: FamilySpec = {
  name: `${PREFIX}app_last_sample_timestamp_seconds`,
  help: 'Unix time of the minute the app-level gauge of that upstream metric (and sdk_type) shows; time() minus this is its age.',
  type: 'gauge',
};

export interface AppMetric {
  readonly metric: string;
  readonly api: RealtimeApi;
  /** quality and network are queried per SDK type; scale has none. */
  readonly perSdkType: boolean;
  readonly spec: FamilySpec;
  readonly factor: number;
  readonly max: number;
}

/** Every app metric with its family and conversion, after config overrides of upstream units. */
export function buildAppMetrics(overrides: Readonly<Record<string, UpstreamUnit>> = {}): Map<string, AppMetric> {
  const out = new Map<string, AppMetric>();
  for (const [metric, d] of Object.entries(APP_METRIC_TABLE)) {
    const perSdkType = d.api !== 'scale';
    const suffix = ` Upstream realtime/${d.api} metric ${metric}`;
    let help: string;
    let factor = 1;
    let max = Infinity;
    if (d.unit === 'count') {
      help = `${d.what}.${suffix}, a count; newest minute in the answer.`;
    } else {
      const unit = overrides[metric] ?? 'percent';
      factor = UPSTREAM_UNITS[unit].factor;
      max = 1;
      const origin = overrides[metric] ? 'set in config' : 'assumed; override with huawei_rtc.units';
      help = `${d.what}, 0-1.${suffix}, unit ${unit} (${origin}); ${factor === 1 ? 'no conversion' : `× ${factor} to ratio`}; newest minute in the answer.`;
    }
    out.set(metric, { metric, api: d.api, perSdkType, spec: { name: `${PREFIX}${d.family}`, help, type: 'gauge' }, factor, max });
  }
  return out;
}

/** One point of a realtime answer, as the API sends it. */
export interface RealtimePoint {
  readonly time: string;
  readonly value: number | null;
}

/** What one answer became: the samples, and the points dropped as unusable by reason. */
export interface AppSamples {
  samples: Sample[];
  dropped: Map<string, number>;
}

/**
 * The newest usable point of one (app, metric, sdk type) answer as the app
 * gauge, plus the minute it shows. An answer without points exports nothing:
 * the gauge is absent (a minute without join attempts has no join rate).
 */
export function appSamples(m: AppMetric, labels: Readonly<Record<string, string>>, points: readonly RealtimePoint[]): AppSamples {
  const dropped = new Map<string, number>();
  const drop = (reason: string) => dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  let newest: { time: number; value: number } | undefined;
  for (const p of points) {
    if (p.value === null) continue; // a minute without data, not an error
    const time = Date.parse(p.time);
    if (!Number.isFinite(time)) drop('bad_time');
    else if (!Number.isFinite(p.value)) drop('not_finite');
    else if (p.value < 0 || convert(p.value, m.factor) > m.max) drop('out_of_range');
    else if (!newest || time > newest.time) newest = { time, value: p.value };
  }
  const samples: Sample[] = [];
  if (newest) {
    samples.push({ family: m.spec, labels, value: convert(newest.value, m.factor) });
    samples.push({ family: APP_LAST_SAMPLE, labels: { ...labels, metric: m.metric }, value: newest.time / 1000 });
  }
  return { samples, dropped };
}

/** The key of one app metric query: the app, the metric and (for quality and network) the SDK type. */
export const appMetricKey = (appId: string, metric: string, sdkType: string | undefined) => tupleKey('app', appId, metric, ...(sdkType ? [sdkType] : []));
