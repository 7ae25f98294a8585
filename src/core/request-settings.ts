import { Fault } from './faults';
import { httpsUrlProblem } from './providers/forms';
import type { RequestSettings } from './vault';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the HTTP client or the provider's auth owns: setting them per account breaks requests.
const RESERVED = new Set([
  'host',
  'content-length',
  'content-type',
  'authorization',
  'x-api-key',
  'connection',
  'transfer-encoding',
]);

/** "Name: value; Other: value" (or one per line) → headers, or the reason it is unusable. */
export function parseHeaders(text: string): { headers: Record<string, string> } | { problem: string } {
  const headers: Record<string, string> = {};
  for (const part of text
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf(':');
    const name = at > 0 ? part.slice(0, at).trim() : '';
    const value = at > 0 ? part.slice(at + 1).trim() : '';
    if (!HEADER_NAME.test(name)) return { problem: `"${part.slice(0, 30)}" is not "Name: value".` };
    if (RESERVED.has(name.toLowerCase()))
      return { problem: `${name} is set by Pi Accounts itself and cannot be overridden.` };
    if (!value) return { problem: `${name} has no value.` };
    headers[name] = value;
  }
  return { headers };
}

/** Checked request settings from what was typed; blank fields mean "none". */
export function requireRequestSettings(baseUrl: string, headersText: string): RequestSettings | undefined {
  const url = baseUrl.trim();
  const urlProblem = url ? httpsUrlProblem(url) : undefined;
  if (urlProblem)
    throw new Fault(
      'invalid-account',
      `Base URL not saved: ${urlProblem}`,
      'Enter an https:// address, or leave it blank.',
    );
  const parsed = parseHeaders(headersText);
  if ('problem' in parsed)
    throw new Fault(
      'invalid-account',
      `Headers not saved: ${parsed.problem}`,
      'Write them as "Name: value", separated by ";".',
    );
  if (!url && !Object.keys(parsed.headers).length) return undefined;
  return {
    ...(url ? { baseUrl: url } : {}),
    ...(Object.keys(parsed.headers).length ? { headers: parsed.headers } : {}),
  };
}
