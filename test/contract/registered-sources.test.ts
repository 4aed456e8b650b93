// The contract, for every source this build registers.
import { sources } from '../../src/sources/index.js';
import { MID_TABLE, PREFIX as HUAWEI_PREFIX, ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE, UNKNOWN_MID_FAMILY } from '../../src/sources/huawei-rtc/families.js';
import { wangsuFamilies } from '../../src/sources/wangsu-cdn/families.js';
import { ABNORMAL_EVENTS } from '../../src/sources/huawei-rtc/abnormal-events.js';
import { APP_LAST_SAMPLE, APP_METRIC_TABLE } from '../../src/sources/huawei-rtc/app-metrics.js';
import { EXAMPLE_ENV } from '../helpers/example-env.js';
import { sourceContract } from './source-contract.js';

/** Every family each source can emit, from the sources' own tables. */
const FAMILIES: Record<string, readonly string[]> = {
  huawei_rtc: [
    ...[...Object.values(MID_TABLE), ...Object.values(APP_METRIC_TABLE)].map((d) => `${HUAWEI_PREFIX}${d.family}`),
    UNKNOWN_MID_FAMILY.name,
    ROOM_LAST_SAMPLE.name,
    ROOM_LAST_REFRESH.name,
    APP_LAST_SAMPLE.name,
    ABNORMAL_EVENTS.name,
  ],
  wangsu_cdn: Object.values(wangsuFamilies(1_000_000)).map((f) => f.name),
};

for (const definition of sources) {
  sourceContract({
    definition,
    example: { file: new URL('../../../config.example.yaml', import.meta.url), env: EXAMPLE_ENV, sources },
    families: FAMILIES[definition.name] ?? [`${definition.name}: list its families in FAMILIES`],
  });
}
