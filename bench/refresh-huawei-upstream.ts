// The fake SparkRTC API of bench/refresh.ts, in a child process of its own (so
// that its work is never counted as an exporter's): GET …/rtc/rooms (pages of
// running rooms) and GET …/rtc/client/qos/details (refresh-huawei-data.ts's
// answers). Plain node:http and cached templates keep its own CPU small; it
// checks no credentials (the exporters' auth is not what is measured).
// Usage: fork with argv [rooms].
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROJECT_ID, QosAnswers, roomsPage } from './refresh-huawei-data.js';
import { serveParent, type FromChild } from './refresh-protocol.js';

const rooms = Number(process.argv[2]);
const answers = new QosAnswers();
const ROOMS_PATH = `/v1/${PROJECT_ID}/rtc/rooms`;
const QOS_PATH = `/v1/${PROJECT_ID}/rtc/client/qos/details`;

function send(res: ServerResponse, status: number, parts: Buffer[]): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': parts.reduce((n, p) => n + p.length, 0) });
  for (const p of parts.slice(0, -1)) res.write(p);
  res.end(parts.at(-1));
}

/** Requests answered, by API, and qos/details bytes: the parent reads them to see how far a capped refresh got and what a refresh read. */
const served = { rooms: 0, qos: 0, qosBytes: 0 };

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const q = url.searchParams;
  const offset = Number(q.get('offset') ?? 0);
  const limit = Number(q.get('limit') ?? 100);
  if (url.pathname === ROOMS_PATH) served.rooms++;
  if (url.pathname === QOS_PATH) served.qos++;
  if (url.pathname === ROOMS_PATH) return send(res, 200, [Buffer.from(roomsPage(rooms, offset, limit))]);
  if (url.pathname === QOS_PATH) {
    const start = Date.parse(q.get('start_time') ?? '');
    const end = Date.parse(q.get('end_time') ?? '');
    const room = q.get('room_id');
    if (!room || !Number.isFinite(start) || !Number.isFinite(end))
      return send(res, 400, [Buffer.from('{"error_code":"DATA.100011001","error_msg":"room_id, start_time, end_time"}')]);
    const parts = answers.answer(room, start, end, offset, limit);
    for (const p of parts) served.qosBytes += p.length;
    return send(res, 200, parts);
  }
  send(res, 404, [Buffer.from('{"error_code":"APIGW.0101","error_msg":"not found"}')]);
});
// Exporters idle between measured steps: their pooled connections should still be there.
server.keepAliveTimeout = 600_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}` } satisfies FromChild);
});
serveParent(async (m): Promise<FromChild | undefined> => (m.type === 'stats' ? { type: 'result', id: m.id, result: { ...served } } : undefined));
