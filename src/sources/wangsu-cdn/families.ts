// The Wangsu families and the conversion of Wangsu units (MB, Mbps, both with
// two decimals) to base units. HELP names the upstream field and conversion.
import { LabelNames, type SeriesWriter } from '../../series-writer.js';
import type { FamilySpec } from '../../source.js';
import type { StreamState } from './ledger.js';

export const PREFIX = 'wangsu_live_';

/** Wangsu's Mbps is a bit rate, SI mega as for every network rate; Prometheus counts bytes: ÷ 8. */
const BYTES_PER_SECOND_PER_MBPS = 1_000_000 / 8;

export interface WangsuFamilies {
  bandwidth: FamilySpec;
  onlineUsers: FamilySpec;
  freshSlice: FamilySpec;
  traffic: FamilySpec;
  settledSlice: FamilySpec;
  trafficTotal: FamilySpec;
}

export function wangsuFamilies(mbBytes: number): WangsuFamilies {
  const mb = mbBytes === 1_048_576 ? '1048576 (2^20)' : '1000000 (10^6)';
  return {
    bandwidth: {
      name: 'wangsu_live_stream_bandwidth_bytes_per_second',
      help: `Peak bandwidth of the stream in its freshest slice (see wangsu_live_stream_fresh_slice_timestamp_seconds; may still be revised upwards): Wangsu stream/detail dataType=bandwidth detailList.value (Mbps) × ${BYTES_PER_SECOND_PER_MBPS} (10^6 bits ÷ 8); 0 when Wangsu omits the stream from that slice (it sends only values above zero).`,
      type: 'gauge',
    },
    onlineUsers: {
      name: 'wangsu_live_stream_online_users',
      help: 'Online users of the stream in its freshest slice: Wangsu stream/detail detailList.onlineUser (isReturnOnline, 1m slices), unchanged; absent when Wangsu gave no onlineUser for that slice.',
      type: 'gauge',
    },
    freshSlice: {
      name: 'wangsu_live_stream_fresh_slice_timestamp_seconds',
      help: 'End of the slice the bandwidth and online-user gauges describe: the newest slice Wangsu had for the batch in the window ending at now − fresh_delay (detailList.timestamp, as Unix seconds).',
      type: 'gauge',
    },
    traffic: {
      name: 'wangsu_live_stream_traffic_bytes',
      help: `Bytes delivered for the stream in its latest settled slice (see wangsu_live_stream_settled_slice_timestamp_seconds): Wangsu stream/detail dataType=flow detailList.value (MB) × ${mb}; 0 when Wangsu omits the slice.`,
      type: 'gauge',
    },
    settledSlice: {
      name: 'wangsu_live_stream_settled_slice_timestamp_seconds',
      help: 'End of the settled slice (now − delay) the traffic gauge and counter have read up to: Wangsu detailList.timestamp (yyyy-MM-dd HH:mm in the X-Time-Zone zone; a value covers the interval ending then) as Unix seconds.',
      type: 'gauge',
    },
    trafficTotal: {
      name: 'wangsu_live_stream_traffic_bytes_total',
      help: `Bytes delivered for the stream, every settled slice counted once since the exporter started (revisions of counted slices ignored): sum of Wangsu dataType=flow detailList.value (MB) × ${mb}.`,
      type: 'counter',
    },
  };
}

export interface SampleOptions {
  families: WangsuFamilies;
  mbBytes: number;
  flow: boolean;
  bandwidth: boolean;
  online: boolean;
}

/** Series one stream can have: the source's share of max_series is counted in streams. */
export function seriesPerStream(o: Pick<SampleOptions, 'flow' | 'bandwidth' | 'online'>): number {
  return 2 * Number(o.bandwidth) + Number(o.online) + 3 * Number(o.flow);
}

/** Hundredths of an MB → bytes; exact for the SI base. */
const hundredthsMbToBytes = (hundredths: number, mbBytes: number) => (hundredths * mbBytes) / 100;

const STREAM = new LabelNames('domain', 'stream');

/** The series of one stream: its freshest slice, its settled slice and its counter. */
export function writeStream(st: StreamState, o: SampleOptions, out: SeriesWriter): void {
  const labels = STREAM.render(st.domain, st.stream);
  const f = o.families;
  if (o.bandwidth && st.fresh) {
    out.add(f.freshSlice, labels, st.fresh.endMs / 1000);
    out.add(f.bandwidth, labels, (st.fresh.bandwidthHundredths * BYTES_PER_SECOND_PER_MBPS) / 100);
    if (o.online && st.fresh.online !== undefined) out.add(f.onlineUsers, labels, st.fresh.online);
  }
  if (o.flow) {
    if (st.settled) {
      out.add(f.settledSlice, labels, st.settled.endMs / 1000);
      out.add(f.traffic, labels, hundredthsMbToBytes(st.settled.flowHundredths, o.mbBytes));
    }
    out.add(f.trafficTotal, labels, hundredthsMbToBytes(st.countedHundredths, o.mbBytes));
  }
}
