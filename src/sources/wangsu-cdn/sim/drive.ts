// Wiring for the Wangsu tests: the simulator on loopback with known
// credentials, and the source in the shared harness.
import type { ManualClock } from '../../../sim/manual-clock.js';
import { wangsuCdn } from '../index.js';
import { WangsuSimulator, type SimulatorOptions } from './simulator.js';
import type { WangsuSource } from '../source.js';
import { sourceHarness } from '../../../sim/drive.js';

export const API_USER = 'user-example';
export const API_KEY = 'apikey-example-secret';
export const ACCESS_KEY = 'ak-example';
export const SECRET_KEY = 'sk-example-secret';
const CREDENTIALS = { apiKeys: { [API_USER]: API_KEY }, akSk: { [ACCESS_KEY]: SECRET_KEY } };

export const apiKeyAuth = { mode: 'api_key', username: API_USER, api_key: API_KEY };
export const akskAuth = { mode: 'aksk', access_key: ACCESS_KEY, secret_key: SECRET_KEY };

export async function startSim(opts: Omit<SimulatorOptions, 'credentials'> & { credentials?: SimulatorOptions['credentials'] }) {
  const sim = new WangsuSimulator({ credentials: CREDENTIALS, ...opts });
  const server = await sim.listen();
  return { sim, url: server.url, close: () => server.close() };
}

/** The wangsu_cdn source around a config block (without `endpoint` and `auth` defaults), on `clock`. */
export function buildSource(raw: Record<string, unknown>, clock: ManualClock, opts: { random?: () => number; core?: Record<string, unknown> } = {}) {
  return sourceHarness<WangsuSource>({ definition: wangsuCdn, clock, config: raw, ...opts });
}

/** Values of one family from exposition text, by `domain/stream`. */
export function familyValues(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{domain="([^"]*)",stream="([^"]*)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  return out;
}

/**
 * What Prometheus's increase() adds up over scrapes of a counter family, per
 * series (identified by its labels, across gaps): rises, plus the whole value
 * after a reset. A series never seen before counts from 0 (as with created
 * timestamps); without them Prometheus would miss a new series' first value.
 */
export class IncreaseTracker {
  readonly total = new Map<string, number>();
  private readonly last = new Map<string, number>();

  constructor(private readonly family: string) {}

  observe(text: string): void {
    const now = familyValues(text, this.family);
    for (const [id, v] of now) {
      const prev = this.last.get(id);
      const inc = prev === undefined || v < prev ? v : v - prev;
      this.total.set(id, (this.total.get(id) ?? 0) + inc);
    }
    for (const [id, v] of now) this.last.set(id, v);
  }
}
