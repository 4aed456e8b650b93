// pino JSON logs with secrets kept out: the headers sources declare as
// credentials are redacted by path, and every value the config schemas mark
// as secret is masked wherever it appears.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Values never to write, whatever field they end up in. */
  secrets?: readonly string[];
  /** Header names whose values are credentials (any case), wherever a headers object is logged. */
  secretHeaders?: readonly string[];
  destination?: DestinationStream;
}

/** Redaction paths for credential headers: at the top, in `headers`, and one level down. */
function redactPaths(headers: readonly string[]): string[] {
  const names = [...new Set(['authorization', ...headers.map((h) => h.toLowerCase())])];
  return names.flatMap((h) => [`["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`, `*["${h}"]`]);
}

export function createLogger(opts: LoggerOptions): Logger {
  const masks = (opts.secrets ?? []).filter((s) => s.length >= 4).map((s) => [s, JSON.stringify(s).slice(1, -1)] as const);
  return pino(
    {
      level: opts.level,
      base: { name: 'rtc-cdn-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(opts.secretHeaders ?? []), censor: '[REDACTED]' },
      hooks: {
        streamWrite(line) {
          let out = line;
          for (const [plain, escaped] of masks) out = out.replaceAll(escaped, '[REDACTED]').replaceAll(plain, '[REDACTED]');
          return out;
        },
      },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
