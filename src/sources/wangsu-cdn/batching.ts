// Packs the configured domains into request batches within Wangsu's limits:
// at most `maxGroups` domain groups per request, at most `maxStreams` streams
// per domain per request, each domain at most once per request (the stream
// limit is per domain), and one `keyword` per request (it is a request field).
import { createHash } from 'node:crypto';
import { wellFormed } from '../../labels.js';
import type { DomainGroup } from './client.js';

/** What is known of one configured domain when batches are planned. */
export interface DomainPlan {
  domain: string;
  keyword?: string | undefined;
  /** Explicit streams (from config or from streamList); undefined: query "all streams". */
  streams?: readonly string[] | undefined;
}

export interface Batch {
  /** Stable while the batch's content is unchanged; readable in logs. */
  readonly key: string;
  readonly groups: readonly DomainGroup[];
  readonly keyword: string | undefined;
}

export interface BatchLimits {
  maxGroups: number;
  maxStreams: number;
}

export function planBatches(domains: readonly DomainPlan[], limits: BatchLimits): Batch[] {
  const byKeyword = new Map<string | undefined, DomainPlan[]>();
  for (const d of domains) {
    const list = byKeyword.get(d.keyword) ?? [];
    list.push(d);
    byKeyword.set(d.keyword, list);
  }
  const batches: Batch[] = [];
  for (const [keyword, plans] of byKeyword) {
    const open: DomainGroup[][] = [];
    for (const plan of plans) {
      for (const group of splitDomain(plan, limits.maxStreams)) {
        // First batch with room that does not hold this domain yet (first fit keeps it deterministic).
        let target = open.find((b) => b.length < limits.maxGroups && !b.some((g) => g.domain === group.domain));
        if (!target) open.push((target = []));
        target.push(group);
      }
    }
    for (const groups of open) batches.push({ key: batchKey(groups, keyword), groups, keyword });
  }
  return batches;
}

/** One group for "all streams", else chunks of at most `maxStreams`. */
function splitDomain(plan: DomainPlan, maxStreams: number): DomainGroup[] {
  if (plan.streams === undefined) return [{ domain: plan.domain }];
  // Well-formed, as answers are: a configured name and the answered one must agree.
  const unique = [...new Set(plan.streams.map(wellFormed))];
  const groups: DomainGroup[] = [];
  for (let i = 0; i < unique.length; i += maxStreams) groups.push({ domain: plan.domain, streams: unique.slice(i, i + maxStreams) });
  return groups;
}

/**
 * Whether an answered (domain, stream) is one the batch asked for. Each stream
 * belongs to one batch (a domain is whole in one batch or split into disjoint
 * stream lists), so keeping only these means no two batches export a stream.
 */
export function batchCovers(batch: Batch): (domain: string, stream: string) => boolean {
  const wanted = new Map<string, ReadonlySet<string> | undefined>();
  for (const g of batch.groups) wanted.set(g.domain, g.streams && new Set(g.streams));
  return (domain, stream) => wanted.has(domain) && (wanted.get(domain)?.has(stream) ?? true);
}

/**
 * Domain names (config allows no ',' or '#' in them), plus a content hash when streams are listed or a keyword is
 * set: a batch whose streams change is a new key, so its counters start from
 * the per-stream cursors rather than from a watermark that never covered them.
 */
function batchKey(groups: readonly DomainGroup[], keyword: string | undefined): string {
  const names = groups.map((g) => g.domain).join(',');
  if (keyword === undefined && groups.every((g) => g.streams === undefined)) return names;
  const hash = createHash('sha256')
    .update(JSON.stringify([keyword ?? null, groups.map((g) => [g.domain, g.streams ?? null])]))
    .digest('hex')
    .slice(0, 10);
  return `${names}#${hash}`;
}
