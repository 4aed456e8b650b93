#!/usr/bin/env node
// Entry point: flags, config, start, signals. Everything else lives in modules.
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfigFile, parseConfig, type LoadedConfig } from './config.js';
import { Exporter, parseListenAddress } from './exporter.js';
import { FlagError, parseFlags, USAGE, type Flags } from './flags.js';
import { createLogger } from './logger.js';
import { createShard } from './shard.js';
import type { DemoUpstream } from './source.js';
import { sourceModules } from './sources/index.js';

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(argv: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv);
    if (flags.webConfigFile !== undefined) {
      // Refused rather than ignored: silently serving without the TLS/auth a user asked for is worse.
      throw new FlagError('--web.config.file: TLS and basic auth are not supported yet; terminate TLS in front of the exporter');
    }
    parseListenAddress(flags.listenAddress);
  } catch (err) {
    if (!(err instanceof FlagError) && !(err instanceof Error)) throw err;
    console.error(`rtc-cdn-exporter: ${err.message}`);
    return EXIT_USAGE;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.version) {
    console.log(`rtc-cdn-exporter ${version} (node ${process.version})`);
    return 0;
  }

  const demos: DemoUpstream[] = [];
  let loaded: LoadedConfig;
  try {
    loaded = flags.demo ? await demoConfig(demos) : loadConfigFile(flags.configFile, sourceModules);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) console.error(`config error: ${p}`);
    return EXIT_USAGE;
  }
  if (flags.configCheck) {
    const enabled = [...loaded.config.sources.keys()];
    console.log(`${flags.demo ? 'demo config' : flags.configFile}: OK (sources: ${enabled.join(', ') || 'none'})`);
    await Promise.all(demos.map((d) => d.close()));
    return 0;
  }

  // Listen for signals before the port opens: a SIGTERM during start-up must stop us cleanly too.
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const logger = createLogger({ level: flags.logLevel, secrets: loaded.secrets });
  const exporter = new Exporter({
    config: loaded.config,
    modules: sourceModules,
    logger,
    version,
    scrapeTimeoutOffsetMs: flags.scrapeTimeoutOffsetMs,
    shard: createShard(flags.shardIndex, flags.shardCount),
  });
  try {
    const addr = await exporter.listen(flags.listenAddress);
    logger.info(
      { address: `${addr.address}:${addr.port}`, version, demo: flags.demo, sources: [...loaded.config.sources.keys()], shard: `${flags.shardIndex}/${flags.shardCount}` },
      'listening',
    );
  } catch (err) {
    logger.error({ err: (err as Error).message, address: flags.listenAddress }, 'cannot listen');
    await exporter.shutdown();
    await Promise.all(demos.map((d) => d.close()));
    return EXIT_RUNTIME;
  }

  const signal = await stopSignal;
  logger.info({ signal }, 'shutting down');
  await exporter.shutdown();
  await Promise.all(demos.map((d) => d.close()));
  logger.info('stopped');
  return 0;
}

/** Starts each source's simulator on loopback and builds a config pointing at them. */
async function demoConfig(demos: DemoUpstream[]): Promise<LoadedConfig> {
  const raw: Record<string, unknown> = { refresh: { interval: '15s', max_scrape_wait: '5s', backoff_initial: '2s', backoff_max: '30s' } };
  for (const m of sourceModules) {
    if (!m.startDemo) continue;
    const demo = await m.startDemo();
    demos.push(demo);
    raw[m.name] = demo.config;
  }
  return parseConfig(JSON.stringify(raw), { modules: sourceModules, name: 'demo config' });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`rtc-cdn-exporter: fatal: ${(err as Error)?.stack ?? String(err)}`);
    process.exitCode = EXIT_RUNTIME;
  },
);
