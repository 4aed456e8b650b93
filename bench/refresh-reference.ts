// The reference of bench/refresh.ts: the same SparkRTC data exported the way
// a competent Node developer would write it with prom-client, in a child
// process of its own. Express serves GET /metrics as `await registry.metrics()`
// (rendered at every scrape; no compression middleware, so gzip is never
// served: the common setup). A full refresh lists the running rooms (pages of
// 100), fetches every room with undici request() 8 at a time (as our exporter's
// budget concurrency), `await body.text()` + JSON.parse, keeps each entry's
// latest non-null point (times compared with Date.parse), converts units as our
// exporter does (percent × 0.01, ms × 0.001, kbit/s × 125) and sets one Gauge per
// mid family, labelled app_id, room_id, uid, peerid; every gauge is reset()
// first, so series that left upstream leave the page. The parent says `refresh`
// and gets its measure; `begin`/`end` measure scrapes.
// Usage: fork with argv [upstream base URL].
import type { AddressInfo } from 'node:net';
import express from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { request } from 'undici';
import { APP_ID, PROJECT_ID } from './refresh-huawei-data.js';
import { memoryNow, Meter, serveParent, type FromChild } from './refresh-protocol.js';

const upstream = process.argv[2]!;
const PREFIX = 'huaweicloud_rtc_';
const CONCURRENCY = 8;
const ROOMS_PAGE = 100;
const QOS_PAGE = 1000;
const LOOKBACK_MS = 10 * 60_000;

const PERCENT = 0.01;
const MS = 0.001;
const KBITS = 125;
/** mid → [family without prefix, what it is, factor to base units]. */
const MIDS: Record<string, [string, string, number]> = {
  appcpu: ['app_cpu_usage_ratio', 'CPU usage of the app (upstream %)', PERCENT],
  syscpu: ['system_cpu_usage_ratio', 'CPU usage of the device (upstream %)', PERCENT],
  abit: ['audio_bitrate_bytes_per_second', 'Audio bitrate (upstream kbit/s)', KBITS],
  vbit: ['video_bitrate_bytes_per_second', 'Video bitrate (upstream kbit/s)', KBITS],
  dbit: ['screen_share_bitrate_bytes_per_second', 'Screen-share bitrate (upstream kbit/s)', KBITS],
  vfps: ['video_frames_per_second', 'Video frame rate', 1],
  dfps: ['screen_share_frames_per_second', 'Screen-share frame rate', 1],
  ablock: ['audio_freeze_ratio', 'Audio freeze rate (upstream %)', PERCENT],
  vblock: ['video_freeze_ratio', 'Video freeze rate (upstream %)', PERCENT],
  dblock: ['screen_share_freeze_ratio', 'Screen-share freeze rate (upstream %)', PERCENT],
  aloss: ['audio_packet_loss_ratio', 'Audio packet loss (upstream %)', PERCENT],
  vloss: ['video_packet_loss_ratio', 'Video packet loss (upstream %)', PERCENT],
  dloss: ['screen_share_packet_loss_ratio', 'Screen-share packet loss (upstream %)', PERCENT],
  vwidth: ['video_width_pixels', 'Video width', 1],
  vheight: ['video_height_pixels', 'Video height', 1],
  dwidth: ['screen_share_width_pixels', 'Screen-share width', 1],
  dheight: ['screen_share_height_pixels', 'Screen-share height', 1],
  ajitter: ['audio_jitter_seconds', 'Audio jitter (upstream ms)', MS],
  vjitter: ['video_jitter_seconds', 'Video jitter (upstream ms)', MS],
  djitter: ['screen_share_jitter_seconds', 'Screen-share jitter (upstream ms)', MS],
  artt: ['audio_rtt_seconds', 'Audio round-trip time (upstream ms)', MS],
  vrtt: ['video_rtt_seconds', 'Video round-trip time (upstream ms)', MS],
  drtt: ['screen_share_rtt_seconds', 'Screen-share round-trip time (upstream ms)', MS],
};

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const userLabels = ['app_id', 'room_id', 'uid', 'peerid'] as const;
const families = new Map<string, { gauge: Gauge<(typeof userLabels)[number]>; factor: number }>();
for (const [mid, [family, help, factor]] of Object.entries(MIDS)) {
  families.set(mid, { gauge: new Gauge({ name: PREFIX + family, help, labelNames: userLabels, registers: [registry] }), factor });
}
const otherMid = new Gauge({
  name: `${PREFIX}qos_value`,
  help: 'Latest value of a metric id without a known unit',
  labelNames: [...userLabels, 'mid'],
  registers: [registry],
});
const lastSample = new Gauge({
  name: `${PREFIX}room_last_sample_timestamp_seconds`,
  help: 'Newest point of the room',
  labelNames: ['app_id', 'room_id'],
  registers: [registry],
});
const lastRefresh = new Gauge({
  name: `${PREFIX}room_last_refresh_timestamp_seconds`,
  help: 'When the room was last fetched',
  labelNames: ['app_id', 'room_id'],
  registers: [registry],
});
const allGauges = [...[...families.values()].map((f) => f.gauge), otherMid, lastSample, lastRefresh];

interface QosAnswer {
  data?: Array<{ uid: string; peerid: string; mid: string; data: Array<{ time: string; value: number | null }> | null }>;
}

async function getJson<T>(path: string, query: Record<string, string>): Promise<T> {
  const { statusCode, body } = await request(`${upstream}/v1/${PROJECT_ID}/rtc/${path}?${new URLSearchParams(query)}`);
  const text = await body.text();
  if (statusCode !== 200) throw new Error(`${path}: HTTP ${statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

const apiTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

async function listRooms(): Promise<string[]> {
  const rooms: string[] = [];
  for (let offset = 0; ; offset += ROOMS_PAGE) {
    const page = await getJson<{ room_info_list?: Array<{ room_id: string }> }>('rooms', {
      app: APP_ID,
      state: 'RUNNING',
      limit: String(ROOMS_PAGE),
      offset: String(offset),
    });
    const list = page.room_info_list ?? [];
    rooms.push(...list.map((r) => r.room_id));
    if (list.length < ROOMS_PAGE) return rooms;
  }
}

/** Fetches one room and sets its gauges; returns the series set. */
async function refreshRoom(roomId: string): Promise<number> {
  const end = new Date();
  const start = new Date(end.getTime() - LOOKBACK_MS);
  let series = 0;
  let newest = 0;
  for (let offset = 0; ; offset += QOS_PAGE) {
    const page = await getJson<QosAnswer>('client/qos/details', {
      app_id: APP_ID,
      room_id: roomId,
      mid: 'all',
      time_type: 'ctime',
      start_time: apiTime(start),
      end_time: apiTime(end),
      limit: String(QOS_PAGE),
      offset: String(offset),
    });
    const entries = page.data ?? [];
    for (const entry of entries) {
      let latest: { time: number; value: number } | undefined;
      for (const point of entry.data ?? []) {
        if (point.value === null) continue;
        const time = Date.parse(point.time);
        if (!latest || time > latest.time) latest = { time, value: point.value };
      }
      if (!latest) continue;
      newest = Math.max(newest, latest.time);
      const labels = { app_id: APP_ID, room_id: roomId, uid: entry.uid, peerid: entry.peerid };
      const family = families.get(entry.mid);
      if (family) family.gauge.set(labels, latest.value * family.factor);
      else otherMid.set({ ...labels, mid: entry.mid }, latest.value);
      series++;
    }
    if (entries.length < QOS_PAGE) break;
  }
  if (newest > 0) lastSample.set({ app_id: APP_ID, room_id: roomId }, newest / 1000);
  lastRefresh.set({ app_id: APP_ID, room_id: roomId }, Date.now() / 1000);
  return series + (newest > 0 ? 2 : 1);
}

/** Every room, CONCURRENCY at a time; returns the series set. */
async function refresh(): Promise<number> {
  for (const g of allGauges) g.reset();
  const rooms = await listRooms();
  let next = 0;
  let series = 0;
  const worker = async () => {
    while (next < rooms.length) {
      const set = await refreshRoom(rooms[next++]!);
      series += set;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return series;
}

const app = express();
app.get('/metrics', async (_req, res) => {
  res.set('Content-Type', registry.contentType);
  res.end(await registry.metrics());
});

const meter = new Meter();
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveParent(async (m): Promise<FromChild | undefined> => {
    switch (m.type) {
      case 'refresh': {
        meter.begin();
        const series = await refresh();
        return { type: 'refreshed', id: m.id, measure: meter.end(), series };
      }
      case 'begin':
        meter.begin();
        return { type: 'begun', id: m.id, nowMs: Date.now() };
      case 'end':
        return { type: 'ended', id: m.id, measure: meter.end() };
      case 'memory':
        return { type: 'memory', id: m.id, memory: memoryNow() };
    }
  });
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}/metrics` } satisfies FromChild);
});
