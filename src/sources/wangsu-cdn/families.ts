// The Wangsu families and the conversion of Wangsu units (MB, Mbps, both with
// two decimals) to base units. HELP names the upstream field and conversion.
import type { FamilySpec, Sample } from '../../source.js';
import type { StreamState } from './ledger.js';

export const PREFIX = 'wangsu_live_';

/** Wangsu's Mbps is a bit rate: SI mega, as for every network rate. */
const BITS_PER_MBPS = 1_000_000;

export interface WangsuFamilies {
  bandwidth: FamilySpec;
  traffic: FamilySpec;
  onlineUsers: FamilySpec;
  lastSlice: FamilySpec;
  trafficTotal: FamilySpec;
}

export function wangsuFamilies(mbBytes: number): WangsuFamilies {
  const mb = mbBytes === 1_048_576 ? '1048576 (2^20)' : '1000000 (10^6)';
  return {
    bandwidth: {
      name: 'wangsu_live_stream_bandwidth_bits_per_second',
      help: `Bandwidth of the stream in its latest settled slice: Wangsu stream/detail dataType=bandwidth detailList.value (Mbps) × ${BITS_PER_MBPS}; 0 when Wangsu omits the slice (it sends only values above zero).`,
      type: 'gauge',
    },
    traffic: {
      name: 'wangsu_live_stream_traffic_bytes',
      help: `Bytes delivered for the stream in its latest settled slice: Wangsu stream/detail dataType=flow detailList.value (MB) × ${mb}; 0 when Wangsu omits the slice.`,
      type: 'gauge',
    },
    onlineUsers: {
      name: 'wangsu_live_stream_online_users',
      help: 'Online users of the stream in its latest settled slice: Wangsu stream/detail detailList.onlineUser (isReturnOnline, 1m slices), unchanged; 0 when Wangsu omits the slice.',
      type: 'gauge',
    },
    lastSlice: {
      name: 'wangsu_live_stream_last_slice_timestamp_seconds',
      help: 'End of the slice the other wangsu_live_stream_* gauges describe: Wangsu detailList.timestamp (yyyy-MM-dd HH:mm in the X-Time-Zone zone; a value covers the interval ending then) as Unix seconds.',
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

/** Hundredths of an MB → bytes; exact for the SI base. */
const hundredthsMbToBytes = (hundredths: number, mbBytes: number) => (hundredths * mbBytes) / 100;

/** The samples of one stream's latest slice and its counter. */
export function streamSamples(st: StreamState, o: SampleOptions): Sample[] {
  const labels = { domain: st.domain, stream: st.stream };
  const f = o.families;
  const out: Sample[] = [{ family: f.lastSlice, labels, value: st.latest.endMs / 1000 }];
  if (o.bandwidth) out.push({ family: f.bandwidth, labels, value: (st.latest.bandwidthHundredths * BITS_PER_MBPS) / 100 });
  if (o.flow) {
    out.push({ family: f.traffic, labels, value: hundredthsMbToBytes(st.latest.flowHundredths, o.mbBytes) });
    out.push({ family: f.trafficTotal, labels, value: hundredthsMbToBytes(st.countedHundredths, o.mbBytes) });
  }
  if (o.online) out.push({ family: f.onlineUsers, labels, value: st.latest.online });
  return out;
}
