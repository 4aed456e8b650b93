// Every credential the process holds, in one place: config secrets, tokens
// obtained at run time, and the signatures and passwords computed per request.
// Anything that lets text leave the process (log lines, error messages, stderr)
// masks with it, so a vendor echoing a request header back cannot leak one.

/** Shorter values are not masked: they would garble ordinary words and numbers in logs. */
export const MIN_SECRET_LENGTH = 4;
/** Per-request values (signatures) kept for masking: enough for every request in flight and its echo. */
const RECENT_CAPACITY = 512;
/** A leading run of at least this many characters of a secret is masked even when the rest is cut off. */
const MIN_HEAD = 8;

const MASK = '[REDACTED]';

/** What a source may do with the registry: tell it of credentials it obtains or computes. */
export interface SecretSink {
  /** A credential held for long (a token): masked for the life of the process. */
  add(value: string): void;
  /** A value computed for one request (a signature): masked while it is among the newest few hundred. */
  addEphemeral(value: string): void;
}

/** A mask list that grows at run time; masking recompiles only after something was added. */
export class SecretRegistry implements SecretSink {
  private readonly lasting = new Set<string>();
  private readonly recent = new Set<string>();
  private compiled: { heads: RegExp; byHead: Map<string, string[]> } | undefined;

  constructor(values: Iterable<string> = []) {
    for (const v of values) this.add(v);
  }

  add(value: string): void {
    for (const form of forms(value)) {
      if (this.lasting.has(form)) continue;
      this.lasting.add(form);
      this.recent.delete(form);
      this.compiled = undefined;
    }
  }

  addEphemeral(value: string): void {
    for (const form of forms(value)) {
      if (this.lasting.has(form) || this.recent.has(form)) continue;
      this.recent.add(form);
      // A Set iterates in insertion order: the first value is the oldest.
      if (this.recent.size > RECENT_CAPACITY) this.recent.delete(this.recent.values().next().value!);
      this.compiled = undefined;
    }
  }

  /** How many values (plain and JSON-escaped forms) are masked now. */
  get size(): number {
    return this.lasting.size + this.recent.size;
  }

  /**
   * `text` with every secret replaced by [REDACTED]: whole, JSON-escaped, and
   * any leading part of at least half the secret (or 8 characters), so that a
   * value clipped by the vendor or by a message limit is caught too.
   */
  mask(text: string): string {
    if (this.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    const { heads, byHead } = (this.compiled ??= this.compile());
    let out = '';
    let from = 0;
    heads.lastIndex = 0;
    for (let m = heads.exec(text); m !== null; m = heads.exec(text)) {
      const at = m.index;
      let length = m[0].length;
      for (const secret of byHead.get(m[0]) ?? []) length = Math.max(length, commonPrefix(text, at, secret));
      out += text.slice(from, at) + MASK;
      from = at + length;
      heads.lastIndex = from;
    }
    return from === 0 ? text : out + text.slice(from);
  }

  private compile(): { heads: RegExp; byHead: Map<string, string[]> } {
    const byHead = new Map<string, string[]>();
    for (const secret of [...this.lasting, ...this.recent]) {
      const head = secret.slice(0, Math.min(secret.length, Math.max(MIN_HEAD, Math.floor(secret.length / 2))));
      const list = byHead.get(head);
      if (list) list.push(secret);
      else byHead.set(head, [secret]);
    }
    // Longest first: at one position the alternation takes the first head that matches.
    const alternatives = [...byHead.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    return { heads: new RegExp(alternatives.join('|'), 'g'), byHead };
  }
}

/** The value as written and as it appears inside a JSON string, each long enough to mask. */
function forms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return [...new Set([value, escaped])].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function commonPrefix(text: string, at: number, secret: string): number {
  let i = 0;
  while (i < secret.length && text.charCodeAt(at + i) === secret.charCodeAt(i)) i++;
  return i;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
