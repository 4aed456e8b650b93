// Prometheus-style command-line flags (--config.file, --web.listen-address …).
import { parseArgs } from 'node:util';
import { LOG_LEVELS } from './logger.js';
import { parseDuration } from './schema.js';
import { parseShardIndex } from './shard.js';

const DEFAULT_PORT = 10187;

export interface Flags {
  configFile: string;
  listenAddress: string;
  webConfigFile: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
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
  --web.listen-address=ADDR      Address to listen on. Default: :${DEFAULT_PORT}
  --web.config.file=PATH         TLS, client certificates, basic auth and response headers
                                 (exporter-toolkit format, re-read on change). Default: none
  --web.max-connections=N        Connections served at once; more are closed at once, so scrapers
                                 cannot use up the file descriptors upstream calls need. Default: 64
  --scrape.timeout-offset=DUR    Subtracted from Prometheus's scrape timeout to get the time a
                                 scrape may wait for fresh data. Default: 500ms
  --log.level=LEVEL              debug, info, warn or error. Default: info
  --shard.count=N                Replicas sharing the rooms and domains. Default: 1
  --shard.index=K                This replica's index, 0 to N-1, or a pod name ending in -K
                                 (a StatefulSet pod). Default: 0
  --config.check                 Validate the config file, print the verdict and exit
  --demo                         Run against built-in simulators of every API on loopback
  --help                         Show this help and exit
  --version                      Print the version and exit

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
        'web.listen-address': { type: 'string', default: `:${DEFAULT_PORT}` },
        'web.config.file': { type: 'string' },
        'web.max-connections': { type: 'string', default: '64' },
        'scrape.timeout-offset': { type: 'string', default: '500ms' },
        'log.level': { type: 'string', default: 'info' },
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
  const offset = parseDuration(values['scrape.timeout-offset']);
  if (offset === undefined) throw new FlagError(`--scrape.timeout-offset: "${values['scrape.timeout-offset']}" is not a duration such as "500ms"`);
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
    listenAddress: values['web.listen-address'],
    webConfigFile: values['web.config.file'],
    logLevel: level as Flags['logLevel'],
    scrapeTimeoutOffsetMs: offset,
    maxConnections,
    shardIndex,
    shardCount,
    configCheck: values['config.check'],
    demo: values.demo,
    help: values.help,
    version: values.version,
  };
}
