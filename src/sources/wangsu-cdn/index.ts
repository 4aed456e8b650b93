// wangsu_cdn: Wangsu / ChinaNetCenter (CDNetworks) live CDN per-stream traffic and bandwidth.
import { defineSource } from '../../source.js';
import { checkWangsuConfig, normalizeWangsuConfig, wangsuConfig } from './config.js';
import { PREFIX } from './families.js';
import { WangsuSource } from './source.js';

export const wangsuCdn = defineSource({
  name: 'wangsu_cdn',
  title: 'Wangsu live CDN stream traffic',
  metricPrefix: PREFIX,
  secretHeaders: ['authorization'],
  config: wangsuConfig.shape,
  check: checkWangsuConfig,
  normalize: normalizeWangsuConfig,
  create: (config, deps) => new WangsuSource(config, deps),
  startDemo: async (clock) => (await import('./sim/demo.js')).startDemo(clock),
});
