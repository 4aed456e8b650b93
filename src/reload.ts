// Config reload, on SIGHUP or POST /-/reload: the whole new config is read and
// validated before anything changes; a bad one is refused, logged and counted,
// and the config serving keeps serving. Reloads run one at a time.
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { ConfigError, type LoadedConfig } from './config.js';
import type { Exporter, ReloadSummary } from './exporter.js';

export type ReloadOutcome = { ok: true; summary: ReloadSummary } | { ok: false; reason: string };

export interface ReloaderDeps {
  /** Reads and validates the config afresh (the file named by --config.file); throws ConfigError. */
  load: () => LoadedConfig | Promise<LoadedConfig>;
  exporter: Exporter;
  logger: Logger;
  clock: Clock;
}

/** Problems named in a refusal: enough to act on, short enough for one answer. */
const MAX_PROBLEMS = 20;

export class ConfigReloader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ReloaderDeps) {}

  /** `trigger` ("SIGHUP", "POST /-/reload") is logged with the outcome. */
  reload(trigger: string): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.run(trigger));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(trigger: string): Promise<ReloadOutcome> {
    const { exporter, logger, clock } = this.deps;
    const { metrics, secrets } = exporter;
    let loaded: LoadedConfig;
    try {
      loaded = await this.deps.load();
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error)?.message ?? String(err)];
      const shown = problems.slice(0, MAX_PROBLEMS);
      if (problems.length > MAX_PROBLEMS) shown.push(`… and ${problems.length - MAX_PROBLEMS} more problems`);
      // Masked with what the registry holds: the refused file's own secrets were never registered,
      // and no problem message quotes a secret value.
      const reason = secrets.mask(shown.join('; '));
      metrics.configLastReloadSuccessful.set(0);
      logger.error({ trigger, problems: shown }, 'config reload refused; the previous config keeps serving');
      return { ok: false, reason };
    }
    for (const value of loaded.secrets) secrets.add(value);
    const summary = exporter.applyConfig(loaded.config);
    metrics.configLastReloadSuccessful.set(1);
    metrics.configLastReloadSuccessTimestamp.set(clock.now() / 1000);
    logger.info({ trigger, ...summary }, 'config reloaded');
    return { ok: true, summary };
  }
}
