// The sources this build knows. Adding an upstream API = a folder beside this
// file and one line here.
import type { SourceModule } from '../source.js';
import { huaweiRtc } from './huawei-rtc/index.js';
import { wangsuCdnModule } from './wangsu-cdn/index.js';

export const sourceModules: readonly SourceModule[] = [
  huaweiRtc as SourceModule,
  wangsuCdnModule as SourceModule,
];
