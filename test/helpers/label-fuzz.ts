// Hostile upstream ids through both sources' real parsing paths: a fake Huawei
// and a fake Wangsu (undici MockAgent) answer with the ids, the exporter builds
// its page, and the page is read back by a parser independent of the renderer.
// Shared by test/contract/label-fuzz.test.ts and bench/label-fuzz.ts.
import { MockAgent } from 'undici';
import request from 'supertest';
import { parseConfig } from '../../src/config.js';
import { Exporter } from '../../src/exporter.js';
import { memoryLogger } from '../../src/sim/memory-logger.js';
import { sources } from '../../src/sources/index.js';
import { buildMidFamilies, ROOM_LAST_REFRESH, ROOM_LAST_SAMPLE, UNKNOWN_MID_FAMILY } from '../../src/sources/huawei-rtc/families.js';
import { wangsuFamilies } from '../../src/sources/wangsu-cdn/families.js';
import { prng } from '../../src/sim/noise.js';

export { prng };

const PIECES = [
  '\ud800', // lone high surrogate
  '\udbff',
  '\udc00', // lone low surrogate
  '\udfff',
  '\ufffd', // what both become in UTF-8
  '\u001f', // the separator Huawei keys used to be joined with
  '\u0000', // the separator of Wangsu stream ids
  '"',
  '\\',
  '\n',
  '\r',
  '\\n', // an escape written out, not a line feed
  '","', // forges a JSON tuple boundary if keys were joined JSON text
  '["',
  '{',
  '}',
  '=',
  ',',
  ' ',
  '😀', // astral: a valid surrogate pair
  '👩‍👩‍👧', // ZWJ sequence
  'e\u0301', // combining acute
  '\u200f', // RTL mark
  '\u202e', // RTL override
  'שלום',
  '直播',
  'a',
  'room',
  '0',
];

/** `n` hostile ids, deterministic from `seed`; some differ from another only in a surrogate. */
export function hostileValues(n: number, seed: number): string[] {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const out: string[] = [];
  while (out.length < n) {
    const kind = rand();
    if (kind < 0.02) out.push('');
    else if (kind < 0.03) out.push(pick(PIECES).repeat(500 + Math.floor(rand() * 1500)));
    else {
      let s = '';
      const len = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < len; i++) s += rand() < 0.6 ? pick(PIECES) : String.fromCharCode(32 + Math.floor(rand() * 95));
      out.push(s);
      // Twins that UTF-8 makes one: high vs low surrogate, and the replacement itself.
      if (rand() < 0.15) out.push(`\ud800${s}`, `\udc00${s}`, `\ufffd${s}`);
    }
  }
  return out.slice(0, n);
}

const HUAWEI = 'https://rtc.fuzz.example';
const WANGSU = 'https://cdn.fuzz.example';
const APP = 'fuzz-app';
const DOMAIN_ALL = 'all.fuzz.example';
const DOMAIN_LISTED = 'listed.fuzz.example';
/** Config streams: hostile, but free of `${`, which config substitution reads. */
const LISTED_STREAMS = ['live/"q"', 'live\\b', 'live\u001fsep', 'live\nlf', '\ud800x', '\udc00x', '直播/😀'];
const KNOWN_MIDS = ['ajitter', 'vbit', 'aloss'];

const wf = (s: string) => s.toWellFormed();
const identity = (name: string, labels: Record<string, string>) =>
  `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;

interface HuaweiEntry {
  uid: string;
  peerid: string;
  mid: string;
}

/** What the fakes answer, and the series (identities) the page must then hold. */
function plan(values: readonly string[]) {
  const rooms = values.filter((_, i) => i % 20 === 0);
  const entriesByRoom = new Map<string, HuaweiEntry[]>(); // keyed by the well-formed id: what the query carries
  for (const r of rooms) entriesByRoom.set(wf(r), []);
  const roomIds = [...entriesByRoom.keys()];
  values.forEach((v, i) => {
    const mid = i % 4 === 0 ? KNOWN_MIDS[i % KNOWN_MIDS.length]! : values[(i + 2) % values.length]!;
    entriesByRoom.get(roomIds[i % roomIds.length]!)!.push({ uid: v, peerid: values[(i + 1) % values.length]!, mid });
  });
  const streams = values;
  const expected = new Set<string>();
  const families = buildMidFamilies();
  for (const [room, entries] of entriesByRoom) {
    const base = { app_id: APP, room_id: room };
    expected.add(identity(ROOM_LAST_SAMPLE.name, base));
    expected.add(identity(ROOM_LAST_REFRESH.name, base));
    for (const e of entries) {
      const labels = { ...base, uid: wf(e.uid), peerid: wf(e.peerid) };
      const known = families.get(wf(e.mid));
      expected.add(known ? identity(known.spec.name, labels) : identity(UNKNOWN_MID_FAMILY.name, { ...labels, mid: wf(e.mid) }));
    }
  }
  const w = wangsuFamilies(1_000_000);
  const wangsuNames = [w.bandwidth, w.onlineUsers, w.freshSlice, w.traffic, w.settledSlice, w.trafficTotal].map((f) => f.name);
  const add = (domain: string, stream: string) => {
    for (const name of wangsuNames) expected.add(identity(name, { domain, stream: wf(stream) }));
  };
  for (const s of streams) add(DOMAIN_ALL, s);
  for (const s of LISTED_STREAMS) add(DOMAIN_LISTED, s);
  return { rooms, entriesByRoom, streams, expected };
}

function fakeUpstreams(p: ReturnType<typeof plan>): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const huawei = agent.get(HUAWEI);
  huawei
    .intercept({ path: (path) => path.includes('/rtc/rooms'), method: 'GET' })
    .reply((opts) => {
      const q = new URL(opts.path, HUAWEI).searchParams;
      const offset = Number(q.get('offset'));
      const list = p.rooms.slice(offset, offset + Number(q.get('limit'))).map((room_id) => ({ room_id, state: 'RUNNING' }));
      return {
        statusCode: 200,
        data: JSON.stringify({ total: p.rooms.length, room_info_list: list }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  huawei
    .intercept({ path: (path) => path.includes('/rtc/client/qos/details'), method: 'GET' })
    .reply((opts) => {
      const q = new URL(opts.path, HUAWEI).searchParams;
      const offset = Number(q.get('offset'));
      const time = q.get('end_time')!;
      const entries = (p.entriesByRoom.get(q.get('room_id')!) ?? []).slice(offset, offset + Number(q.get('limit')));
      const data = entries.map((e, i) => ({ ...e, data: [{ time, value: i + 1 }] }));
      return {
        statusCode: 200,
        data: JSON.stringify({ room_id: q.get('room_id'), data }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  agent
    .get(WANGSU)
    .intercept({ path: '/api/report/flow-bandwidth/stream/detail', method: 'POST' })
    .reply((opts) => {
      const body = JSON.parse(String(opts.body)) as { dateTo: string; domainStream: Array<{ domain: string; stream?: string[] }> };
      const timestamp = `${body.dateTo.slice(0, 10)} ${body.dateTo.slice(11, 16)}`;
      const point = [{ timestamp, value: '1.00', onlineUser: 3 }];
      const data = body.domainStream.map((g) => {
        // A stream nobody asked for rides along with the listed ones: it must not be exported.
        const names = g.stream ? [...g.stream, 'not/asked'] : p.streams;
        return { domain: g.domain, domainOfStreamList: names.map((stream) => ({ stream, detailList: point })) };
      });
      return {
        statusCode: 200,
        data: JSON.stringify({ code: '0', message: 'success', data }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  return agent;
}

function config(): string {
  return JSON.stringify({
    huawei_rtc: {
      endpoint: HUAWEI,
      project_id: 'fuzzproject',
      auth: { aksk: { access_key: 'FUZZACCESSKEY', secret_key: 'fuzz-secret-key' } },
      apps: [{ app_id: APP }],
      page_size: 1000,
      max_pages: 100,
      max_series: 10_000_000,
      budget: { requests: 1_000_000, concurrency: 50 },
      // Hostile ids live in rooms and users: the app-wide APIs carry none as labels.
      app_quality: { enabled: false },
      abnormal_events: { enabled: false },
    },
    wangsu_cdn: {
      endpoint: WANGSU,
      auth: { mode: 'api_key', username: 'fuzz', api_key: 'fuzz-api-key' },
      domains: [{ domain: DOMAIN_ALL }, { domain: DOMAIN_LISTED, streams: LISTED_STREAMS }],
      max_series: 10_000_000,
      budget: { requests: 1_000_000 },
    },
  });
}

export interface Series {
  name: string;
  labels: Record<string, string>;
}

/**
 * Prometheus text format 0.0.4, independently of src/exposition.ts: one
 * series per non-comment line, label values unescaped (\\, \", \n).
 */
export function parsePage(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('="', i);
        if (eq < 0) throw new Error(`no label value in ${JSON.stringify(line.slice(0, 200))}`);
        const label = line.slice(i, eq);
        i = eq + 2;
        let value = '';
        for (;;) {
          const c = line[i++];
          if (c === undefined) throw new Error(`unterminated label value in ${JSON.stringify(line.slice(0, 200))}`);
          if (c === '"') break;
          if (c !== '\\') {
            value += c;
            continue;
          }
          const e = line[i++];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else throw new Error(`bad escape \\${e} in ${JSON.stringify(line.slice(0, 200))}`);
        }
        if (Object.hasOwn(labels, label)) throw new Error(`label ${label} twice in one series`);
        labels[label] = value;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const value = line.slice(i + 1);
    if (line[i] !== ' ' || !(Number.isFinite(Number(value)) || /^[+-]?(inf|nan)$/i.test(value)))
      throw new Error(`no value in ${JSON.stringify(line.slice(0, 200))}`);
    out.push({ name, labels });
  }
  return out;
}

export interface FuzzResult {
  values: number;
  page: string;
  /** Identities (name + sorted labels) of the upstream series on the page, in page order. */
  seen: string[];
  expected: Set<string>;
}

/** Runs both sources against the fakes answering with `values`; returns the /metrics page and what it should hold. */
export async function runLabelFuzz(values: readonly string[]): Promise<FuzzResult> {
  const p = plan(values);
  const agent = fakeUpstreams(p);
  const { config: parsed } = parseConfig(config(), { sources, env: {} });
  const exporter = new Exporter({ config: parsed, sources, logger: memoryLogger().logger, version: 'fuzz', scrapeTimeoutOffsetMs: 500, dispatcher: agent });
  try {
    await Promise.all(exporter.scheduler.runners.map((r) => r.kick()));
    const res = await request(exporter.app).get('/metrics').expect(200);
    const page = res.text;
    const seen = parsePage(page)
      .filter((s) => s.name.startsWith('huaweicloud_rtc_') || s.name.startsWith('wangsu_live_'))
      .map((s) => identity(s.name, s.labels));
    return { values: values.length, page, seen, expected: p.expected };
  } finally {
    await exporter.shutdown();
    await agent.close();
  }
}
