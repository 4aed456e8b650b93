#!/usr/bin/env node
// Entry point: flags, config, start, signals. Everything else lives in modules.
import { ConfigError, loadConfigFile, type LoadedConfig } from './config.js';
import { readBuildInfo, versionText } from './build-info.js';
import { Exporter, type ListenTarget } from './exporter.js';
import { FlagError, parseFlags, usage, type Flags } from './flags.js';
import { createLogger } from './logger.js';
import { SecretRegistry } from './secrets.js';
import { createShard } from './shard.js';
import { proxyEnvironment } from './upstream/dispatcher.js';
import { sources } from './sources/index.js';
import { loadWebConfigFile, webConfigSecrets, type WebConfig } from './web-config.js';
import { systemdListenFds } from './systemd-socket.js';

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;
const MAX_PROBLEMS_SHOWN = 50;

/** Every credential of this run, filled as the config is read and sources obtain tokens; stderr masks with it too. */
const secrets = new SecretRegistry();

const build = readBuildInfo();
const { version } = build;

// Stop signals are listened for from the first line: a SIGTERM while the config or the demo
// is loading stops the exporter cleanly (exit 0) once what was opened is closed.
const stopSignal = new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});
let stopRequested: string | undefined;
void stopSignal.then((signal) => (stopRequested = signal));

// SIGHUP's default is to kill the process. Until the exporter runs there is nothing to reload:
// the config being loaded is the newest anyway.
let onHangup = () => console.error('rtc-cdn-exporter: SIGHUP ignored while starting: the config is being loaded now');
process.on('SIGHUP', () => onHangup());

async function main(argv: string[]): Promise<number> {
  let flags: Flags;
  let listenTargets: ListenTarget[];
  try {
    flags = parseFlags(argv);
    // As exporter-toolkit does: with systemd's sockets, the listen addresses are not used. A run
    // that will not listen (--help, --version, --config.check in ExecStartPre) gets no sockets and needs none.
    const listens = !flags.help && !flags.version && !flags.configCheck;
    listenTargets = flags.systemdSocket && listens ? systemdListenFds(process.env, process.pid).map((fd) => ({ fd })) : flags.listenAddresses;
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
    process.stdout.write(versionText('rtc-cdn-exporter', build));
    return 0;
  }

  // Checked before anything starts: a web config that does not load stops the exporter (exit 2), never serves without its TLS or auth.
  let web: WebConfig | undefined;
  try {
    if (flags.webConfigFile !== undefined) web = loadWebConfigFile(flags.webConfigFile);
    for (const value of web ? webConfigSecrets(web) : []) secrets.add(value);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems.slice(0, MAX_PROBLEMS_SHOWN)) console.error(`web config error: ${p}`);
    return EXIT_USAGE;
  }

  let closeDemo = async () => {};
  let loaded: LoadedConfig;
  // What a reload reads: the file again, or in demo mode the demo's own config (nothing changes).
  let loadConfig = () => loadConfigFile(flags.configFile, sources);
  try {
    if (flags.demo) {
      // Lazily: a production start loads no demo or simulator module.
      const { startDemo } = await import('./demo.js');
      const demo = await startDemo(sources);
      loaded = demo.loaded;
      loadConfig = () => demo.loaded;
      closeDemo = () => demo.close();
    } else {
      loaded = loadConfig();
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
    if (web) {
      const tls = web.tls ? `TLS, client_auth_type ${web.tls.clientAuth}` : 'no TLS';
      console.log(`${flags.webConfigFile}: OK (${tls}, basic auth users: ${web.users.size})`);
    }
    await closeDemo();
    return 0;
  }
  if (stopRequested) {
    await closeDemo();
    return 0;
  }

  const logger = createLogger({ level: flags.logLevel, format: flags.logFormat, secrets, secretHeaders: sources.flatMap((s) => s.secretHeaders) });
  const exporter = new Exporter({
    config: loaded.config,
    sources,
    logger,
    version,
    build,
    scrapeTimeoutOffsetMs: flags.scrapeTimeoutOffsetMs,
    telemetryPath: flags.telemetryPath,
    maxConnections: flags.maxConnections,
    shard: createShard(flags.shardIndex, flags.shardCount),
    secrets,
    loadConfig,
    webConfigFile: flags.webConfigFile,
  });
  onHangup = () => void exporter.reload('SIGHUP');
  try {
    for (const addr of await exporter.listen(listenTargets)) {
      logger.info(
        {
          address: typeof addr === 'string' ? addr : `${addr.address}:${addr.port}`,
          version,
          demo: flags.demo,
          sources: [...loaded.config.sources.keys()],
          shard: `${flags.shardIndex}/${flags.shardCount}`,
        },
        'listening',
      );
    }
  } catch (err) {
    logger.error({ err: (err as Error).message, address: listenTargets.map((t) => (typeof t === 'string' ? t : `fd ${t.fd}`)) }, 'cannot listen');
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
