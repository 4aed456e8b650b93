// --demo: every registered source's simulator on loopback, and a config that
// points at them. The simulators are loaded here, lazily, and only for --demo.
import type { Clock } from './clock.js';
import { parseConfig, type LoadedConfig } from './config.js';
import type { DemoUpstream, SourceDefinition } from './source.js';

export interface Demo {
  loaded: LoadedConfig;
  close(): Promise<void>;
}

/** Refreshes fast enough that the demo moves while you watch it. */
const DEMO_REFRESH = { interval: '15s', max_scrape_wait: '5s', backoff_initial: '2s', backoff_max: '30s' };

export async function startDemo(sources: readonly SourceDefinition[], clock?: Clock): Promise<Demo> {
  const upstreams: DemoUpstream[] = [];
  const close = () => Promise.all(upstreams.map((u) => u.close())).then(() => undefined);
  try {
    const raw: Record<string, unknown> = { refresh: DEMO_REFRESH };
    for (const source of sources) {
      const upstream = await source.startDemo(clock);
      upstreams.push(upstream);
      raw[source.name] = upstream.config;
    }
    return { loaded: parseConfig(JSON.stringify(raw), { sources, name: 'demo config' }), close };
  } catch (err) {
    await close();
    throw err;
  }
}
