// YAML text → plain values, refusing what would crash or exhaust the loader:
// syntax errors, aliases that contain themselves, alias expansion bombs, and
// nesting deeper than any real config. Every refusal names its line.
import { isCollection, LineCounter, parseDocument, visit } from 'yaml';
import { ConfigError } from './config-error.js';

/** Alias expansions allowed: enough to share a block or two, far from a billion laughs. */
const MAX_ALIAS_COUNT = 100;
/** Deeper than any real config; deeper nesting is refused before it can overflow the stack. */
export const MAX_DEPTH = 32;

export function parseYaml(text: string, name: string): unknown {
  const lines = new LineCounter();
  const at = (offset: number | undefined) => {
    if (offset === undefined) return name;
    const { line, col } = lines.linePos(offset);
    return `${name}:${line}:${col}`;
  };
  let doc;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  } catch (err) {
    throw new ConfigError([`${name}: YAML cannot be parsed (${(err as Error).message.split('\n')[0]}); fix the file`]);
  }
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        // The parser reports a too deeply nested document as a stack overflow; say what it means.
        const what = /call stack/i.test(e.message)
          ? `nesting deeper than ${MAX_DEPTH} levels`
          : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${name}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${what}; fix the file there`;
      }),
    );
  }

  const problems: string[] = [];
  let firstAlias: number | undefined;
  visit(doc, {
    Alias(_key, node, path) {
      firstAlias ??= node.range?.[0];
      const target = node.resolve(doc);
      if (target !== undefined && path.includes(target)) {
        problems.push(`${at(node.range?.[0])}: alias *${node.source} refers to a value that contains it; write the value out instead`);
        return visit.BREAK;
      }
      return undefined;
    },
    Collection(_key, node, path) {
      if (path.filter((p) => isCollection(p)).length >= MAX_DEPTH) {
        problems.push(`${at(node.range?.[0])}: nested deeper than ${MAX_DEPTH} levels; flatten the file`);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);

  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws (not reports) alias bombs and aliases of unknown anchors.
    const reason = /excessive alias count/i.test((err as Error).message)
      ? `aliases expand to too many values (at most ${MAX_ALIAS_COUNT}); write the values out instead`
      : `${(err as Error).message.split('\n')[0]}; fix the file there`;
    throw new ConfigError([`${at(firstAlias)}: YAML error: ${reason}`]);
  }
}
