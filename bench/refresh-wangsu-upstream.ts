// The fake Wangsu API of bench/refresh.ts, in a child process of its own:
// POST /api/report/flow-bandwidth/stream/detail answers every query with all
// 100,000 streams of the domain (refresh-wangsu-data.ts), over the asked
// window (dateFrom, dateTo; slice times in the X-Time-Zone zone). It checks
// no credentials and none of Wangsu's limits (a real account would refuse a
// whole-domain query of more than 2000 streams: this measures what the
// exporter does with a big answer, not Wangsu's rules). Answers are cached per
// window, so its CPU stays small.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FromChild } from './refresh-protocol.js';
import { detailAnswer, type DetailAsk } from './refresh-wangsu-data.js';

const DETAIL_PATH = '/api/report/flow-bandwidth/stream/detail';
const cache = new Map<string, Buffer>();

function zoneOffsetMin(header: string | undefined): number {
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(header ?? 'GMT+08:00');
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 480;
}

function answerFor(ask: DetailAsk): Buffer {
  const key = JSON.stringify(ask);
  let body = cache.get(key);
  if (!body) {
    body = detailAnswer(ask);
    cache.set(key, body);
    if (cache.size > 4) cache.delete(cache.keys().next().value!);
  }
  return body;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== DETAIL_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"404","message":"not found"}');
      return;
    }
    const q = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const body = answerFor({
      fromMs: Date.parse(String(q.dateFrom)),
      toMs: Date.parse(String(q.dateTo)),
      zoneOffsetMin: zoneOffsetMin(req.headers['x-time-zone'] as string | undefined),
      dataType: q.dataType === 'flow' ? 'flow' : 'bandwidth',
      online: q.isReturnOnline === 'true',
    });
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': body.length, 'x-cnc-request-id': 'bench' }).end(body);
  });
});
server.keepAliveTimeout = 600_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}` } satisfies FromChild);
});
process.on('disconnect', () => process.exit(0));
