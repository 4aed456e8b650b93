// Zod building blocks shared by the core config and every source's config.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:(\d+)(ms|s|m|h|d))+$/;

/** Parses a Prometheus-style duration ("90s", "1m30s", "500ms") into milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** A duration in config, given as "30s", "5m", "1h30m"; typed as milliseconds. */
export const duration = z
  .string({ error: 'expected a duration such as "30s" or "5m"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; write it like "30s", "5m" or "1h30m"` });
      return z.NEVER;
    }
    return ms;
  });

/** A duration with its default written the same way, e.g. durationDefault('60s'). */
export const durationDefault = (text: string) => duration.default(parseDuration(text)!);

/** A secret string: never logged; may also be given as `<key>_file`. */
export const secret = z.string({ error: 'expected a string (or the same key with _file and a path)' }).min(1, 'must not be empty');

/** Keys every source accepts, whatever API it talks to. */
export const sourceCommon = {
  enabled: z.boolean().default(true),
  /** Upper bound on the series this source exposes; the excess is dropped and counted. */
  max_series: z.number().int().positive().default(200_000),
  /** How long a refreshed key's data is fresh before a scrape refreshes it again. */
  refresh_interval: duration.optional(),
};

/** Names of config keys whose values are secrets (redacted from logs wherever they appear). */
export const SECRET_KEY = /(password|secret|token|api_key|secret_key)$/;
