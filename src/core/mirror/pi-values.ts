// How pi 1.x reads a key in auth.json and a header value in models.json
// (@earendil-works/pi-coding-agent 1.6.0, dist/core/resolve-config-value.js, since 0.77.0): a
// value starting with "!" is a shell command; otherwise "$NAME" and "${NAME}" are replaced by
// environment variables, "$$" is a literal "$" and "$!" a literal "!". A bare NAME is literal.
// So a literal we write must be escaped, and a value we import must be read the way pi reads it.

/** The value as pi 1.x must find it to read back exactly `literal`. */
export function escapePiValue(literal: string): string {
  return literal.replace(/\$/g, '$$$$').replace(/^!/, '$!');
}

export type PiValue =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'command' }
  | { readonly kind: 'env'; readonly names: readonly string[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_PREFIX = /^[A-Za-z_][A-Za-z0-9_]*/;

/** What pi 1.x makes of `raw`: a literal (unescaped), a command, or a value that reads variables. */
export function readPiValue(raw: string): PiValue {
  if (raw.startsWith('!')) return { kind: 'command' };
  let value = '';
  const names: string[] = [];
  for (let i = 0; i < raw.length;) {
    const at = raw.indexOf('$', i);
    if (at < 0) {
      value += raw.slice(i);
      break;
    }
    value += raw.slice(i, at);
    const next = raw[at + 1];
    if (next === '$' || next === '!') {
      value += next;
      i = at + 2;
      continue;
    }
    if (next === '{') {
      const end = raw.indexOf('}', at + 2);
      if (end < 0) {
        value += '$';
        i = at + 1;
        continue;
      }
      const name = raw.slice(at + 2, end);
      if (NAME.test(name)) names.push(name);
      else value += raw.slice(at, end + 1);
      i = end + 1;
      continue;
    }
    const m = NAME_PREFIX.exec(raw.slice(at + 1));
    if (m) {
      names.push(m[0]);
      i = at + 1 + m[0].length;
      continue;
    }
    value += '$';
    i = at + 1;
  }
  return names.length ? { kind: 'env', names } : { kind: 'literal', value };
}
