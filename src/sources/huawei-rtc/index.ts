// huawei_rtc: Huawei Cloud SparkRTC per-user call quality.
import type { SourceModule } from '../../source.js';
import { huaweiRtcConfig } from './config.js';
import { HuaweiRtcSource } from './source.js';

export const huaweiRtc: SourceModule<typeof huaweiRtcConfig> = {
  name: 'huawei_rtc',
  configSchema: huaweiRtcConfig,
  create: (config, deps) => new HuaweiRtcSource(config, deps),
  startDemo: async (clock) => (await import('./sim/demo.js')).startDemo(clock),
};
