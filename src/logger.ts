// pino JSON logs with secrets kept out: the headers sources declare as
// credentials are redacted by path, and every value in the secret registry
// (config secrets, and the tokens and signatures added at run time) is masked
// wherever it appears. logfmt lines are made from the masked JSON line.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { jsonLineToLogfmt } from './logfmt.js';
import { SecretRegistry } from './secrets.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** json first: the default, the format earlier releases wrote and log pipelines already parse. */
export const LOG_FORMATS = ['json', 'logfmt'] as const;

export interface LoggerOptions {
  level: LevelWithSilent;
  /** json (default) or logfmt. */
  format?: (typeof LOG_FORMATS)[number];
  /** Values never to write, whatever field they end up in: a registry that grows at run time, or a fixed list. */
  secrets?: SecretRegistry | readonly string[];
  /** Header names whose values are credentials (any case), wherever a headers object is logged. */
  secretHeaders?: readonly string[];
  destination?: DestinationStream;
}

/** Redaction paths for credential headers: at the top, in `headers`, and one level down. */
function redactPaths(headers: readonly string[]): string[] {
  const names = [...new Set(['authorization', 'proxy-authorization', ...headers.map((h) => h.toLowerCase())])];
  return names.flatMap((h) => [`["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`, `*["${h}"]`]);
}

export function createLogger(opts: LoggerOptions): Logger {
  const registry = opts.secrets instanceof SecretRegistry ? opts.secrets : new SecretRegistry(opts.secrets);
  // Masked again after conversion: logfmt joins keys and values differently, which could spell a secret anew.
  const streamWrite = opts.format === 'logfmt' ? (line: string) => registry.mask(jsonLineToLogfmt(registry.mask(line))) : (line: string) => registry.mask(line);
  return pino(
    {
      level: opts.level,
      base: { name: 'rtc-cdn-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(opts.secretHeaders ?? []), censor: '[REDACTED]' },
      hooks: {
        // Read at every line, so a token obtained a moment ago is already masked.
        streamWrite,
      },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
