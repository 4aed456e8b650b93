// A strict logfmt reader for tests: `key=value` pairs separated by one space, values bare
// (no space, '=' or '"') or double-quoted with go-logfmt's escapes. Anything else throws,
// so a line that a logfmt parser would misread fails the test.

const BARE = /^[^\s="]*$/;
/** Control characters (and DEL), which only appear escaped. */
const hasControl = (s: string) => [...s].some((c) => c < ' ' || c === '\u007f');

export function parseLogfmt(line: string): Record<string, string> {
  const record: Record<string, string> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not logfmt at ${i} (${why}): ${line}`);
  };
  while (i < line.length) {
    const eq = line.indexOf('=', i);
    if (eq <= i) fail('no key');
    const key = line.slice(i, eq);
    if (!BARE.test(key) || hasControl(key)) fail(`bad key ${JSON.stringify(key)}`);
    if (key in record) fail(`key ${key} twice`);
    i = eq + 1;
    let value = '';
    if (line[i] === '"') {
      for (i++; line[i] !== '"'; i++) {
        if (i >= line.length) fail('unterminated quote');
        const c = line[i]!;
        if (c < ' ' || c === '\u007f') fail('raw control character');
        if (c !== '\\') {
          value += c;
          continue;
        }
        const e = line[++i];
        if (e === 'u') {
          const hex = line.slice(i + 1, i + 5);
          if (!/^[0-9a-f]{4}$/.test(hex)) fail('bad \\u escape');
          value += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else {
          const short: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };
          if (e === undefined || !(e in short)) fail('bad escape');
          value += short[e!];
        }
      }
      i++;
    } else {
      const end = line.indexOf(' ', i);
      value = line.slice(i, end < 0 ? line.length : end);
      if (!BARE.test(value) || hasControl(value)) fail(`bad bare value ${JSON.stringify(value)}`);
      i += value.length;
    }
    record[key] = value;
    if (i < line.length) {
      if (line[i] !== ' ' || i + 1 === line.length) fail('pairs are separated by one space');
      i++;
    }
  }
  return record;
}
