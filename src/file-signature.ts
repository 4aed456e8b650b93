// What identifies a file's current content without reading it: checked per
// connection or request, so a replaced certificate or an edited config is
// picked up at once and an unchanged one costs a stat, not a read.
import { statSync } from 'node:fs';

/** Device, inode, size and change times: a rename over the file, an edit or a truncation all change it. */
export function fileSignature(path: string): string {
  let st;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
  if (st === undefined) return 'missing';
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}
