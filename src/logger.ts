// pino JSON logs with secrets kept out: the headers sources declare as
// credentials are redacted by path, and every value in the secret registry
// (config secrets, and the tokens and signatures added at run time) is masked
// wherever it appears.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { SecretRegistry } from './secrets.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export interface LoggerOptions {
  level: LevelWithSilent;
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
  return pino(
    {
      level: opts.level,
      base: { name: 'rtc-cdn-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(opts.secretHeaders ?? []), censor: '[REDACTED]' },
      hooks: {
        // Read at every line, so a token obtained a moment ago is already masked.
        streamWrite: (line) => registry.mask(line),
      },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
