// Refresh scheduling and caching for one source: a single-flight refresh per
// key, due once per step of its own fixed grid, the last good data kept through
// failures, per-key back-off with jitter, and the page's blocks rebuilt only where a key changed.
import type { Logger } from 'pino';
import { sleep, type Clock } from './clock.js';
import { CachedPage } from './exposition.js';
import { SourcePage, type SourcePageBuild } from './page.js';
import { TimeSlices } from './slices.js';
import { gridAnchor, nextGridPoint } from './refresh-grid.js';
import type { SelfMetrics } from './self-metrics.js';
import type { Source } from './source.js';
import { UpstreamError } from './upstream/api.js';

/**
 * A key never read waits as if read this long before it was listed: new keys go
 * before all but hour-stale ones (a new room has no data at all), yet a stream of
 * new keys cannot starve the old ones for longer than this.
 */
export const NEW_KEY_LEAD_MS = 3_600_000;

interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** What the core decides for a source, from its common settings. */
export interface RunnerSettings {
  /** The source's name: its config key and `source` label. */
  name: string;
  title: string;
  /** The step of each key's refresh grid: while scrapes come, a key is refreshed once per step. */
  refreshIntervalMs: number;
  maxSeries: number;
}

/** One source's state, for self-metrics, readiness and the landing page. */
export interface SourceStatus {
  name: string;
  title: string;
  about: string;
  /** The key list has been tried: the runner knows what it will export. */
  ready: boolean;
  /** The latest attempt at the key list and at every key succeeded. */
  up: boolean;
  keys: number;
  withData: number;
  failing: number;
  /**
   * Age of the oldest data served (from when it ends, for APIs that lag); a key
   * never refreshed counts from when it appeared. Undefined while no key has data.
   */
  dataAgeSeconds: number | undefined;
  /** Why the key list's latest attempt failed, while it did. */
  keyListError: KeyError | undefined;
  /** The newest errors of failing keys, newest first: at most MAX_KEY_ERRORS of the `failing` ones. */
  keyErrors: KeyError[];
}

/** Failing keys whose errors status() returns: a source can have thousands failing at once. */
export const MAX_KEY_ERRORS = 20;
/** Characters of an error message kept: a vendor's answer echoed whole is for the log, not the page. */
const MAX_ERROR_LENGTH = 1000;

/** Why a key (or the key list) failed last. */
export interface KeyError {
  key: string;
  /** Masked with the secret registry: an upstream answer can echo a credential. */
  message: string;
  /** When the attempt failed (clock time, ms). */
  atMs: number;
  /** How long ago that was. */
  ageSeconds: number;
  /** Attempts failed in a row. */
  failures: number;
}

export interface RunnerDeps {
  clock: Clock;
  logger: Logger;
  metrics: SelfMetrics;
  backoff: BackoffPolicy;
  /** Aborted on shutdown: cancels queued and running upstream calls. */
  signal: AbortSignal;
  /** Masks credentials in error messages kept for the landing page (the logger masks its own lines). */
  mask: (text: string) => string;
  random?: () => number;
}

/** One refreshable thing: a key, or the key list itself. */
interface Refreshable {
  lastSuccess: number | undefined;
  lastAttemptFailed: boolean;
  failures: number;
  /** The latest failure's message (masked) and time, until a success. */
  lastError: { message: string; atMs: number } | undefined;
  nextAttemptAt: number;
  /** When a scrape refreshes it again: the next point of its grid, or the time its source asked for. */
  dueAt: number;
  /** Its grid's anchor, from the scrape that first asked for it; failures leave the grid where it is. */
  gridAnchorMs: number | undefined;
  inflight: Promise<void> | undefined;
}

interface KeyState extends Refreshable {
  hasData: boolean;
  /** When the data rendered ends (KeyData.dataTimeMs, or the refresh). */
  dataTimeMs: number | undefined;
  since: number;
}

const fresh = (): Refreshable => ({
  lastSuccess: undefined,
  lastAttemptFailed: false,
  failures: 0,
  lastError: undefined,
  nextAttemptAt: 0,
  dueAt: 0,
  gridAnchorMs: undefined,
  inflight: undefined,
});

export class SourceRunner {
  private readonly keys = new Map<string, KeyState>();
  private readonly keyList: Refreshable = fresh();
  private readonly page: SourcePage;
  private firstListingDone = false;
  private relistWanted = false;
  private listingRound: Promise<void> | undefined;
  private readonly source: Source;

  /** `createSource` gets the runner's relistKeys(), for the source's deps. */
  constructor(
    readonly settings: RunnerSettings,
    private readonly deps: RunnerDeps,
    createSource: (relistKeys: () => void) => Source,
  ) {
    deps.metrics.seriesDropped.inc({ source: settings.name }, 0);
    deps.metrics.seriesDuplicate.inc({ source: settings.name }, 0);
    this.page = new SourcePage(settings.maxSeries);
    this.source = createSource(() => this.relistKeys());
  }

  /** The key list is read again at the next kick. */
  relistKeys(): void {
    this.relistWanted = true;
  }

  /**
   * Starts a refresh of everything due; resolves when those refreshes (and ones
   * they lead to) settle. Only scrapes start refreshes: with no scrape, nothing
   * is requested upstream.
   */
  kick(): Promise<void> {
    const askedAt = this.deps.clock.now();
    if (this.due(this.keyList, this.relistWanted)) {
      // A listing round ends when the keys it found have been refreshed too, so
      // scrapes that join it mid-way wait for the same data as the one that began it.
      const round: Promise<void> = this.refreshKeyList(askedAt)
        .then(() => this.kickKeys(askedAt))
        .finally(() => {
          if (this.listingRound === round) this.listingRound = undefined;
        });
      this.listingRound = round;
    }
    const pending = [this.kickKeys(askedAt)];
    if (this.listingRound) pending.push(this.listingRound);
    return Promise.all(pending).then(() => undefined);
  }

  /** Some key changed since the page was last built. */
  get changed(): boolean {
    return this.page.changed;
  }

  /** Rebuilds the page's changed blocks, yielding to the event loop between slices. */
  async build(): Promise<SourcePageBuild> {
    return this.report(await this.page.build());
  }

  /** The same, at once. */
  buildNow(): SourcePageBuild {
    return this.report(this.page.buildNow());
  }

  private reported: SourcePageBuild | undefined;

  private report(build: SourcePageBuild): SourcePageBuild {
    if (build === this.reported) return build;
    this.reported = build;
    const { name, maxSeries } = this.settings;
    this.deps.metrics.series.set({ source: name }, build.series);
    if (build.dropped > 0) {
      this.deps.metrics.seriesDropped.inc({ source: name }, build.dropped);
      this.deps.logger.warn({ dropped: build.dropped, max_series: maxSeries }, 'series over max_series dropped');
    }
    return build;
  }

  status(): SourceStatus {
    const now = this.deps.clock.now();
    let failing = 0;
    let withData = 0;
    let oldest = now;
    const keyErrors: KeyError[] = [];
    for (const [key, st] of this.keys) {
      if (st.lastAttemptFailed) {
        failing++;
        keepNewest(keyErrors, key, st, now);
      }
      if (st.hasData) withData++;
      oldest = Math.min(oldest, st.dataTimeMs ?? st.since);
    }
    const listed = this.keyList.lastSuccess !== undefined && !this.keyList.lastAttemptFailed;
    return {
      name: this.settings.name,
      title: this.settings.title,
      about: this.source.describe(),
      ready: this.firstListingDone,
      up: listed && failing === 0,
      keys: this.keys.size,
      withData,
      failing,
      dataAgeSeconds: withData > 0 ? (now - oldest) / 1000 : undefined,
      keyListError: keyError('key list', this.keyList, now),
      keyErrors,
    };
  }

  /** `askedAt`: when the scrape that starts these refreshes came (a listing round starts new keys later). */
  /** Starts the due keys' refreshes, yielding to the event loop between slices (starting thousands takes a while). */
  private async kickKeys(askedAt: number): Promise<void> {
    const pending: Promise<void>[] = [];
    const slices = new TimeSlices();
    for (const [key, st] of this.keys) {
      if (slices.due()) await slices.yieldNow();
      if (this.keys.get(key) !== st) continue; // left the list meanwhile
      if (this.due(st)) this.refreshKey(key, st, askedAt);
      if (st.inflight) pending.push(st.inflight);
    }
    await Promise.all(pending);
  }

  /** Not running, not backing off, and its due time has come (or its last attempt failed, or it is wanted at once). */
  private due(r: Refreshable, atOnce = false): boolean {
    const now = this.deps.clock.now();
    if (r.inflight || now < r.nextAttemptAt) return false;
    return atOnce || r.lastAttemptFailed || now >= r.dueAt;
  }

  private refreshKeyList(askedAt: number): Promise<void> {
    const { clock, signal } = this.deps;
    this.relistWanted = false;
    const startedAt = clock.now();
    const period = this.source.keyListIntervalMs;
    const anchor = (this.keyList.gridAnchorMs ??= gridAnchor(askedAt, period));
    return (this.keyList.inflight = (async () => {
      try {
        const listed = new Set(await this.source.listKeys({ signal, priority: this.keyList.lastSuccess ?? 0 }));
        const now = clock.now();
        for (const key of this.keys.keys()) {
          if (!listed.has(key)) {
            this.keys.delete(key);
            this.page.set(key, undefined);
          }
        }
        for (const key of listed) if (!this.keys.has(key)) this.keys.set(key, { ...fresh(), hasData: false, dataTimeMs: undefined, since: now });
        this.succeeded(this.keyList, nextGridPoint(anchor, period, startedAt));
      } catch (err) {
        this.failed(this.keyList, err, 'key list');
      } finally {
        this.keyList.inflight = undefined;
        this.firstListingDone = true;
      }
    })());
  }

  private refreshKey(key: string, st: KeyState, askedAt: number): void {
    const { clock, signal, metrics } = this.deps;
    const started = performance.now();
    const startedAt = clock.now();
    const anchor = (st.gridAnchorMs ??= gridAnchor(askedAt, this.settings.refreshIntervalMs));
    st.inflight = (async () => {
      try {
        const data = await this.source.refresh(key, { signal, priority: st.lastSuccess ?? st.since - NEW_KEY_LEAD_MS });
        if (this.keys.get(key) !== st) return; // the key left the list meanwhile
        this.page.set(key, data.series);
        st.hasData = true;
        st.dataTimeMs = data.dataTimeMs ?? clock.now();
        const { duplicates } = data.series;
        if (duplicates > 0) {
          metrics.seriesDuplicate.inc({ source: this.settings.name }, duplicates);
          this.deps.logger.warn({ source: this.settings.name, key, duplicates }, 'samples repeating a series of their key dropped');
        }
        // One refresh per step of the grid, whenever in the step a scrape started it.
        this.succeeded(st, data.refreshAtMs ?? nextGridPoint(anchor, this.settings.refreshIntervalMs, startedAt));
        metrics.lastRefreshSuccess.set({ source: this.settings.name }, clock.now() / 1000);
      } catch (err) {
        this.failed(st, err, key);
      } finally {
        st.inflight = undefined;
        metrics.refreshDuration.observe({ source: this.settings.name }, (performance.now() - started) / 1000);
      }
    })();
  }

  private succeeded(r: Refreshable, dueAt: number): void {
    r.dueAt = dueAt;
    r.lastSuccess = this.deps.clock.now();
    r.lastAttemptFailed = false;
    r.lastError = undefined;
    r.failures = 0;
    r.nextAttemptAt = 0;
  }

  private failed(r: Refreshable, err: unknown, key: string): void {
    if (this.deps.signal.aborted) return;
    r.lastAttemptFailed = true;
    r.failures++;
    const delay = this.backoffMs(r.failures, err);
    r.nextAttemptAt = this.deps.clock.now() + delay;
    const e = err instanceof UpstreamError ? err : undefined;
    const message = (err as Error)?.message ?? String(err);
    r.lastError = { message: clip(this.deps.mask(message), MAX_ERROR_LENGTH), atMs: this.deps.clock.now() };
    this.deps.logger.error(
      {
        key,
        api: e?.api,
        outcome: e?.outcome ?? 'error',
        status: e?.status,
        code: e?.code,
        request_id: e?.requestId,
        retry_in_s: Math.round(delay / 1000),
        failures: r.failures,
      },
      `refresh failed: ${message}`,
    );
  }

  /** Exponential back-off with ±20% jitter; credentials that fail go straight to the longest wait. */
  private backoffMs(failures: number, err: unknown): number {
    const { initialMs, maxMs } = this.deps.backoff;
    const e = err instanceof UpstreamError ? err : undefined;
    let base = e?.outcome === 'auth_error' ? maxMs : Math.min(maxMs, initialMs * 2 ** (failures - 1));
    if (e?.retryAfterMs !== undefined) base = Math.max(base, e.retryAfterMs);
    const jitter = 0.8 + 0.4 * (this.deps.random ?? Math.random)();
    return Math.round(base * jitter);
  }
}

/** Cut after masking: a cut secret would no longer match its mask. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function keyError(key: string, r: Refreshable, now: number): KeyError | undefined {
  const e = r.lastAttemptFailed ? r.lastError : undefined;
  return e && { key, message: e.message, atMs: e.atMs, ageSeconds: (now - e.atMs) / 1000, failures: r.failures };
}

/** Adds the key's error to `newest` (newest first) if it is among the MAX_KEY_ERRORS newest seen; allocates only then. */
function keepNewest(newest: KeyError[], key: string, r: Refreshable, now: number): void {
  const atMs = r.lastError?.atMs;
  if (atMs === undefined || (newest.length === MAX_KEY_ERRORS && atMs <= newest[newest.length - 1]!.atMs)) return;
  let i = newest.length;
  while (i > 0 && newest[i - 1]!.atMs < atMs) i--;
  newest.splice(i, 0, keyError(key, r, now)!);
  if (newest.length > MAX_KEY_ERRORS) newest.pop();
}

/**
 * Time a scrape gives the page's rebuild at least, after its wait for
 * refreshes: within the default 500 ms scrape-timeout offset.
 */
const BUILD_ALLOWANCE_MS = 250;

/** All sources: kicks refreshes for a scrape and waits for them only until the scrape's deadline. */
export class Scheduler {
  private page = new CachedPage();
  private building: Promise<void> | undefined;
  /** The runner set changed (a reload): the page is rebuilt even if no runner did. */
  private runnersReplaced = false;
  constructor(
    private current: readonly SourceRunner[],
    private readonly clock: Clock,
  ) {}

  get runners(): readonly SourceRunner[] {
    return this.current;
  }

  /** A reload's new set: kept runners carry their state; a dropped runner's series leave the next page. */
  replaceRunners(runners: readonly SourceRunner[]): void {
    this.current = runners;
    this.runnersReplaced = true;
  }

  private get stale(): boolean {
    return this.runnersReplaced || this.current.some((r) => r.changed);
  }

  /** Refreshes what is due, waiting at most `waitMs`, then returns the page with what is there by then. */
  async collect(waitMs: number, signal?: AbortSignal): Promise<CachedPage> {
    const refreshed = Promise.all(this.runners.map((r) => r.kick()));
    const startedAt = this.clock.now();
    if (waitMs > 0) {
      const deadline = new AbortController();
      const stop = () => deadline.abort();
      signal?.addEventListener('abort', stop, { once: true });
      await Promise.race([refreshed, sleep(this.clock, waitMs, deadline.signal).catch(() => undefined)]);
      deadline.abort();
      signal?.removeEventListener('abort', stop);
    }
    // The page with what changed meanwhile, given what is left of the wait (at least the
    // allowance); a longer build (a whole 100,000-stream batch) finishes in the background,
    // and this scrape gets the page before it.
    const left = Math.max(BUILD_ALLOWANCE_MS, waitMs - (this.clock.now() - startedAt));
    const done = new AbortController();
    await Promise.race([this.built(), sleep(this.clock, left, done.signal).catch(() => undefined)]);
    done.abort();
    return this.page;
  }

  /** The page with every change so far, its blocks rebuilt in slices and compressed (one build at a time; a scrape joins the one running). */
  async built(): Promise<CachedPage> {
    if (this.building) await this.building;
    if (this.stale) {
      this.building ??= this.build().finally(() => (this.building = undefined));
      await this.building;
    }
    return this.page;
  }

  private async build(): Promise<void> {
    this.runnersReplaced = false;
    const blocks = [];
    for (const r of this.runners) blocks.push(...(await r.build()).blocks);
    const page = new CachedPage(blocks);
    // Prometheus asks for gzip: the new blocks are compressed (in time slices) before the page is served.
    await page.prepare();
    this.page = page;
  }

  /** The page with every change so far, built at once (tests). */
  exposition(): CachedPage {
    if (this.stale || this.building) {
      this.runnersReplaced = false;
      this.page = new CachedPage(this.runners.flatMap((r) => r.buildNow().blocks));
    }
    return this.page;
  }

  status(): SourceStatus[] {
    return this.runners.map((r) => r.status());
  }
}
