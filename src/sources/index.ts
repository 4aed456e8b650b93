// The sources this build knows. Adding an upstream API = a folder beside this
// file (see the README's "Adding a source") and one line here.
import type { SourceDefinition } from '../source.js';
import { huaweiRtc } from './huawei-rtc/index.js';
import { wangsuCdn } from './wangsu-cdn/index.js';

export const sources: readonly SourceDefinition[] = [huaweiRtc, wangsuCdn];
