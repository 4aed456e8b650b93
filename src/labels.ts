// Label values and keys built from upstream ids. Two rules keep series unique:
// an id is made well-formed Unicode before it identifies anything (UTF-8 turns
// every lone surrogate into U+FFFD, so "\ud800x" and "\udc00x" are one label
// value on the page and must be one id everywhere), and a key made of several
// ids is a JSON tuple, which no id can forge the way it can a separator join.

/** The id as it will read on the page: lone surrogates replaced by U+FFFD. */
export function wellFormed(id: string): string {
  return id.isWellFormed() ? id : id.toWellFormed();
}

/** A key for a tuple of (well-formed) ids; decoded by `fromTupleKey`. */
export function tupleKey(...ids: readonly string[]): string {
  return JSON.stringify(ids);
}

/** The ids of a key made by `tupleKey`. */
export function fromTupleKey(key: string): string[] {
  const ids: unknown = JSON.parse(key);
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new Error(`not a tuple key: ${key}`);
  return ids;
}
