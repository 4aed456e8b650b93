// A logger that keeps its lines, as the exporter's logger would write them (secrets masked).
import { Writable } from 'node:stream';
import { createLogger } from '../logger.js';
import type { SecretRegistry } from '../secrets.js';

export function memoryLogger(secrets: SecretRegistry | readonly string[] = [], secretHeaders: readonly string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', secrets, secretHeaders, destination });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
