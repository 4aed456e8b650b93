// Prometheus-style command-line flags (--config.file, --web.listen-address …).
import { parseArgs } from 'node:util';
import { readDuration } from './duration.js';
import { parseListenAddress } from './listen-address.js';
import { LOG_FORMATS, LOG_LEVELS } from './logger.js';
import { parseShardIndex } from './shard.js';

const DEFAULT_PORT = 10187;

export interface Flags {
  configFile: string;
  /** Every address to listen on, each checked by parseListenAddress and none twice. */
  listenAddresses: string[];
  /** Listen on the sockets systemd passes (LISTEN_FDS) instead of listenAddresses. */
  systemdSocket: boolean;
  telemetryPath: string;
  webConfigFile: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: (typeof LOG_FORMATS)[number];
  scrapeTimeoutOffsetMs: number;
  maxConnections: number;
  shardIndex: number;
  shardCount: number;
  configCheck: boolean;
  demo: boolean;
  help: boolean;
  version: boolean;
}

export class FlagError extends Error {}

/** --help; `titles` are what the registered sources export. */
export const usage = (titles: readonly string[]) => `usage: rtc-cdn-exporter [flags]

Prometheus exporter for ${titles.join(', ')}.

Flags:
  --config.file=PATH             Config file (YAML). Default: config.yaml
  --web.listen-address=ADDR      Address to listen on; repeat the flag to listen on several.
                                 Default: :${DEFAULT_PORT}
  --web.systemd-socket           Listen on the sockets systemd passes (socket activation) instead
                                 of --web.listen-address
  --web.telemetry-path=PATH      Path under which to expose metrics. Default: /metrics
  --web.config.file=PATH         TLS, client certificates, basic auth and response headers
                                 (exporter-toolkit format, re-read on change). Default: none
  --web.max-connections=N        Connections served at once; more are closed at once, so scrapers
                                 cannot use up the file descriptors upstream calls need. Default: 64
  --scrape.timeout-offset=DUR    Subtracted from Prometheus's scrape timeout to get the time a
                                 scrape may wait for fresh data. Default: 500ms
  --log.level=LEVEL              debug, info, warn or error. Default: info
  --log.format=FORMAT            json or logfmt. Default: json, which earlier releases wrote and
                                 log pipelines (Loki, Fluent Bit, Vector) read as fields unaided;
                                 logfmt is what Prometheus's own exporters write
  --shard.count=N                Replicas sharing the rooms and domains. Default: 1
  --shard.index=K                This replica's index, 0 to N-1, or a pod name ending in -K
                                 (a StatefulSet pod). Default: 0
  --config.check                 Validate the config file, print the verdict and exit
  --demo                         Run against built-in simulators of every API on loopback
  --help                         Show this help and exit
  --version                      Print the version and build information and exit

Exit codes: 0 success, 1 runtime failure, 2 bad flags or config.
`;

export function parseFlags(argv: string[]): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'config.file': { type: 'string', default: 'config.yaml' },
        'web.listen-address': { type: 'string', multiple: true, default: [`:${DEFAULT_PORT}`] },
        'web.systemd-socket': { type: 'boolean', default: false },
        'web.telemetry-path': { type: 'string', default: '/metrics' },
        'web.config.file': { type: 'string' },
        'web.max-connections': { type: 'string', default: '64' },
        'scrape.timeout-offset': { type: 'string', default: '500ms' },
        'log.level': { type: 'string', default: 'info' },
        'log.format': { type: 'string', default: 'json' },
        'shard.count': { type: 'string', default: '1' },
        'shard.index': { type: 'string', default: '0' },
        'config.check': { type: 'boolean', default: false },
        demo: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new FlagError(`${(err as Error).message}; see --help`);
  }
  const level = values['log.level'];
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new FlagError(`--log.level: "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const format = values['log.format'];
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new FlagError(`--log.format: "${format}" is not one of ${LOG_FORMATS.join(', ')}`);
  }
  const offset = readDuration(values['scrape.timeout-offset']);
  if (offset.problem !== undefined) throw new FlagError(`--scrape.timeout-offset: ${offset.problem}`);
  const maxConnections = Number(values['web.max-connections']);
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new FlagError(`--web.max-connections: "${values['web.max-connections']}" is not a whole number ≥ 1`);
  }
  const shardCount = Number(values['shard.count']);
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new FlagError(`--shard.count: "${values['shard.count']}" is not a whole number ≥ 1`);
  const shardIndex = parseShardIndex(values['shard.index']);
  if (shardIndex === undefined || shardIndex >= shardCount) {
    throw new FlagError(`--shard.index: "${values['shard.index']}" is not an index from 0 to ${shardCount - 1} (or a pod name ending in one)`);
  }
  return {
    configFile: values['config.file'],
    listenAddresses: listenAddresses(values['web.listen-address']),
    systemdSocket: values['web.systemd-socket'],
    telemetryPath: telemetryPath(values['web.telemetry-path']),
    webConfigFile: values['web.config.file'],
    logLevel: level as Flags['logLevel'],
    logFormat: format as Flags['logFormat'],
    scrapeTimeoutOffsetMs: offset.ms,
    maxConnections,
    shardIndex,
    shardCount,
    configCheck: values['config.check'],
    demo: values.demo,
    help: values.help,
    version: values.version,
  };
}

/** Each address checked; the same host:port twice would fail to bind after the first one. */
function listenAddresses(addresses: string[]): string[] {
  const seen = new Set<string>();
  for (const address of addresses) {
    let parsed;
    try {
      parsed = parseListenAddress(address);
    } catch (err) {
      throw new FlagError((err as Error).message);
    }
    // Port 0 asks the kernel for a free port: twice is two ports.
    const key = `${parsed.host ?? ''}:${parsed.port}`;
    if (parsed.port !== 0 && seen.has(key)) throw new FlagError(`--web.listen-address: "${address}" is given twice; give each address once`);
    seen.add(key);
  }
  return addresses;
}

/**
 * Plain path characters only: express would read ":name", "*" or "{…}" as a pattern.
 * The landing page and /-/ (health, readiness, lifecycle) stay where Prometheus tools look for them.
 */
function telemetryPath(path: string): string {
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(path)) {
    throw new FlagError(`--web.telemetry-path: "${path}" is not a path; write one starting with "/" made of letters, digits and . _ ~ - /, like "/metrics"`);
  }
  if (path === '/' || path === '/-' || path.startsWith('/-/')) {
    throw new FlagError(`--web.telemetry-path: "${path}" is taken by the landing page or the /-/ health endpoints; choose another, like "/metrics"`);
  }
  return path;
}
