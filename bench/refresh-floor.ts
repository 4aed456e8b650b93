// The "physical floor" of bench/refresh.ts, in a child process of its own: the
// CPU that JSON.parse alone takes over exactly the qos/details bodies the fake
// upstream serves for one size over the whole 10-minute lookback (what the
// reference, and our first refresh, ask for) (and, apart, decoding them from Buffers to
// strings, as an HTTP client must first). No exporter can refresh for less than
// this without avoiding JSON.parse altogether. The bodies are built in chunks
// (not measured), then each chunk is decoded and parsed, one body at a time, as
// an exporter would.
// Usage: fork with argv [rooms], then ask `run` → `result` (FloorResult).
import { ENTRIES_PER_ROOM, QosAnswers, roomId } from './refresh-huawei-data.js';
import { serveParent, type FromChild } from './refresh-protocol.js';

export interface FloorResult {
  rooms: number;
  bytes: number;
  decodeCpuMs: number;
  parseCpuMs: number;
}

const CHUNK = 250;
const END_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
/** The reference's window (and our first refresh's): the whole lookback. */
const LOOKBACK_MS = 10 * 60_000;

function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

function run(rooms: number): FloorResult {
  const answers = new QosAnswers();
  const result: FloorResult = { rooms, bytes: 0, decodeCpuMs: 0, parseCpuMs: 0 };
  let sink = 0;
  for (let first = 0; first < rooms; first += CHUNK) {
    const buffers: Buffer[] = [];
    for (let i = first; i < Math.min(rooms, first + CHUNK); i++) buffers.push(Buffer.concat(answers.answer(roomId(i), END_MS - LOOKBACK_MS, END_MS, 0, 1000)));
    global.gc?.();
    let texts: string[] = [];
    result.decodeCpuMs += cpuMs(() => {
      texts = buffers.map((b) => b.toString('utf8'));
    });
    result.parseCpuMs += cpuMs(() => {
      for (const t of texts) sink += (JSON.parse(t) as { data: unknown[] }).data.length;
    });
    for (const b of buffers) result.bytes += b.length;
  }
  if (sink !== rooms * ENTRIES_PER_ROOM) throw new Error(`floor: parsed ${sink} entries, expected ${rooms * ENTRIES_PER_ROOM}`);
  return result;
}

serveParent(async (m): Promise<FromChild | undefined> => (m.type === 'run' ? { type: 'result', id: m.id, result: run(Number(process.argv[2])) } : undefined));
process.send!({ type: 'ready', url: '' } satisfies FromChild);
