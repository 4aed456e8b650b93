// The Wangsu answer of bench/refresh.ts: one domain with 100,000 live streams,
// every stream with a value in every 1-minute slice of the asked window (two
// decimals, as Wangsu prints them; online users on the bandwidth answer). Built
// from a few per-window templates with the stream name substituted.
import { unitMix } from '../src/sim/noise.js';

export const WANGSU_DOMAIN = 'live.bench.example';
export const WANGSU_STREAMS = 100_000;
const SLICE_MS = 60_000;
const TEMPLATES = 16;

export interface DetailAsk {
  fromMs: number;
  toMs: number;
  /** Minutes east of UTC of the X-Time-Zone header: slice times are printed in it. */
  zoneOffsetMin: number;
  dataType: 'flow' | 'bandwidth';
  online: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `yyyy-MM-dd HH:mm` in the zone. */
function sliceTime(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export const streamName = (i: number) => `live/ch-${String(i).padStart(6, '0')}`;

/** The stream/detail answer, whole: `{"code":"0",…,"data":[{domain, domainOfStreamList:[…]}]}`. */
export function detailAnswer(q: DetailAsk): Buffer {
  const ends: number[] = [];
  for (let end = Math.floor(q.fromMs / SLICE_MS) * SLICE_MS + SLICE_MS; end <= q.toMs; end += SLICE_MS) ends.push(end);
  // Per template: everything of a stream's entry after its name.
  const tails = Array.from({ length: TEMPLATES }, (_, t) => {
    const mbps = 0.5 + 7.5 * unitMix(t, 1);
    let total = 0;
    const items = ends.map((end) => {
      const bandwidth = mbps * (0.9 + 0.2 * unitMix(t, (end / SLICE_MS) * 4 + 2));
      const value = q.dataType === 'flow' ? (bandwidth * 60) / 8 : bandwidth;
      total = q.dataType === 'flow' ? total + value : Math.max(total, value);
      const online = q.online ? `,"onlineUser":${1 + Math.floor(500 * unitMix(t, (end / SLICE_MS) * 4 + 3))}` : '';
      return `{"timestamp":"${sliceTime(end, q.zoneOffsetMin)}","value":"${value.toFixed(2)}"${online}}`;
    });
    const totalKey = q.dataType === 'flow' ? 'totalFlow' : 'bandwidthPeakValue';
    return `","${totalKey}":"${total.toFixed(2)}","detailList":[${items.join(',')}]}`;
  });
  const parts: string[] = [];
  for (let i = 0; i < WANGSU_STREAMS; i++) parts.push(`{"stream":"${streamName(i)}${tails[(i * 7 + (i >> 4)) % TEMPLATES]}`);
  return Buffer.from(`{"code":"0","message":"success","data":[{"domain":"${WANGSU_DOMAIN}","domainOfStreamList":[${parts.join(',')}]}]}`);
}
