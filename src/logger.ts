// pino JSON logs with secrets kept out: known credential fields are redacted by
// path, and every secret value from the config is masked wherever it appears.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers["x-auth-token"]',
  'req.headers.authorization',
  '*.authorization',
  '*.password',
  '*.token',
  '*.api_key',
  '*.secret_key',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Values never to write, whatever field they end up in. */
  secrets?: readonly string[];
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const masks = (opts.secrets ?? []).filter((s) => s.length >= 4).map((s) => [s, JSON.stringify(s).slice(1, -1)] as const);
  return pino(
    {
      level: opts.level,
      base: { name: 'rtc-cdn-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
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
