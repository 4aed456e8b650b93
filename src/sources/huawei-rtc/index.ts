// huawei_rtc: Huawei Cloud SparkRTC per-user call quality.
import { defineSource } from '../../source.js';
import { checkHuaweiRtcConfig, huaweiRtcConfig, normalizeHuaweiRtcConfig } from './config.js';
import { PREFIX } from './families.js';
import { HuaweiRtcSource } from './source.js';

export const huaweiRtc = defineSource({
  name: 'huawei_rtc',
  title: 'Huawei Cloud SparkRTC call quality',
  metricPrefix: PREFIX,
  secretHeaders: ['authorization', 'x-auth-token', 'x-subject-token'],
  config: huaweiRtcConfig.shape,
  check: checkHuaweiRtcConfig,
  normalize: normalizeHuaweiRtcConfig,
  create: (config, deps) => new HuaweiRtcSource(config, deps),
  startDemo: async (clock) => (await import('./sim/demo.js')).startDemo(clock),
});
