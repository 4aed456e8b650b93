// The contract, for every source this build registers.
import { sources } from '../../src/sources/index.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { sourceContract } from './source-contract.js';

// promtool lints `bits`: issue #11 renames these to bytes per second (with their alerts and dashboards).
const PENDING_RENAMES = [
  'huaweicloud_rtc_audio_bitrate_bits_per_second',
  'huaweicloud_rtc_video_bitrate_bits_per_second',
  'huaweicloud_rtc_screen_share_bitrate_bits_per_second',
  'wangsu_live_stream_bandwidth_bits_per_second',
];

for (const definition of sources) {
  sourceContract({
    definition,
    example: { file: new URL('../../../config.example.yaml', import.meta.url), env: EXAMPLE_ENV, sources },
    pendingRenames: PENDING_RENAMES,
  });
}
