#!/usr/bin/env node
// Entry point: flags, config, start, signals. Everything else lives in modules.
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfigFile, type LoadedConfig } from './config.js';
import { Exporter } from './exporter.js';
import { FlagError, parseFlags, usage, type Flags } from './flags.js';
import { parseListenAddress } from './listen-address.js';
import { createLogger } from './logger.js';
import { SecretRegistry } from './secrets.js';
import { createShard } from './shard.js';
import { proxyEnvironment } from './upstream/dispatcher.js';
import { sources } from './sources/index.js';

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;
const MAX_PROBLEMS_SHOWN = 50;

/** Every credential of this run, filled as the config is read and sources obtain tokens; stderr masks with it too. */
const secrets = new SecretRegistry();

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Stop signals are listened for from the first line: a SIGTERM while the config or the demo
// is loading stops the exporter cleanly (exit 0) once what was opened is closed.
const stopSignal = new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});
let stopRequested: string | undefined;
void stopSignal.then((signal) => (stopRequested = signal));

// SIGHUP's default is to kill the process; reload does not exist yet, so it is reported and ignored.
let onHangup = () => console.error('rtc-cdn-exporter: SIGHUP ignored: config reload is not supported; restart to apply changes');
process.on('SIGHUP', () => onHangup());

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
    console.log(usage(sources.map((s) => s.title)));
    return 0;
  }
  if (flags.version) {
    console.log(`rtc-cdn-exporter ${version} (node ${process.version})`);
    return 0;
  }

  let closeDemo = async () => {};
  let loaded: LoadedConfig;
  try {
    if (flags.demo) {
      // Lazily: a production start loads no demo or simulator module.
      const { startDemo } = await import('./demo.js');
      const demo = await startDemo(sources);
      loaded = demo.loaded;
      closeDemo = () => demo.close();
    } else {
      loaded = loadConfigFile(flags.configFile, sources);
    }
    for (const value of loaded.secrets) secrets.add(value);
    // A malformed HTTP(S)_PROXY is a configuration error too: exit 2 naming the variable, not a crash later.
    proxyEnvironment(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A hostile file can hold thousands of problems; the first ones are enough to act on.
    for (const p of err.problems.slice(0, MAX_PROBLEMS_SHOWN)) console.error(`config error: ${p}`);
    if (err.problems.length > MAX_PROBLEMS_SHOWN) console.error(`config error: … and ${err.problems.length - MAX_PROBLEMS_SHOWN} more problems`);
    return EXIT_USAGE;
  }
  if (flags.configCheck) {
    const enabled = [...loaded.config.sources.keys()];
    console.log(`${flags.demo ? 'demo config' : flags.configFile}: OK (sources: ${enabled.join(', ') || 'none'})`);
    await closeDemo();
    return 0;
  }
  if (stopRequested) {
    await closeDemo();
    return 0;
  }

  const logger = createLogger({ level: flags.logLevel, secrets, secretHeaders: sources.flatMap((s) => s.secretHeaders) });
  onHangup = () => logger.warn({ signal: 'SIGHUP' }, 'SIGHUP ignored: config reload is not supported; restart to apply changes');
  const exporter = new Exporter({
    config: loaded.config,
    sources,
    logger,
    version,
    scrapeTimeoutOffsetMs: flags.scrapeTimeoutOffsetMs,
    maxConnections: flags.maxConnections,
    shard: createShard(flags.shardIndex, flags.shardCount),
    secrets,
  });
  try {
    const addr = await exporter.listen(flags.listenAddress);
    logger.info(
      {
        address: `${addr.address}:${addr.port}`,
        version,
        demo: flags.demo,
        sources: [...loaded.config.sources.keys()],
        shard: `${flags.shardIndex}/${flags.shardCount}`,
      },
      'listening',
    );
  } catch (err) {
    logger.error({ err: (err as Error).message, address: flags.listenAddress }, 'cannot listen');
    await exporter.shutdown();
    await closeDemo();
    return EXIT_RUNTIME;
  }

  const signal = await stopSignal;
  logger.info({ signal }, 'shutting down');
  await exporter.shutdown();
  await closeDemo();
  logger.info('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(secrets.mask(`rtc-cdn-exporter: fatal: ${(err as Error)?.stack ?? String(err)}`));
    process.exitCode = EXIT_RUNTIME;
  },
);
