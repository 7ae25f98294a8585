import { Fault } from '../faults';

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;

/**
 * Whether a sign-in may open `url` in the person's browser: https anywhere, http only on this
 * machine (emulators, loopback pages). Anything else (javascript:, file:, data:, command:, a
 * plain-http page elsewhere) is refused: a compromised or spoofed server answer must not get
 * the editor to open it.
 */
export function requireExternalUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused('an address that does not parse');
  }
  if (parsed.protocol === 'https:' && parsed.hostname) return parsed;
  if (parsed.protocol === 'http:' && LOOPBACK.test(parsed.hostname)) return parsed;
  throw refused(`${parsed.protocol}//${parsed.host}`);
}

function refused(what: string): Fault {
  return new Fault(
    'oauth',
    `Refused to open ${what}: sign-in pages must use https.`,
    'Report this to the provider; nothing was opened.',
  );
}
