import { Fault } from '../faults';
import { codeText } from './tokens';

export interface PastedCode {
  readonly code: string;
  readonly state?: string;
}

/**
 * What people paste when the browser cannot reach our loopback server: the whole redirect URL,
 * `code#state`, a `code=…&state=…` query, or the bare code. A state that does not match is
 * refused: it belongs to another sign-in.
 */
export function parsePastedCode(input: string, expectedState?: string): PastedCode {
  const text = input.trim();
  if (!text)
    throw new Fault(
      'oauth',
      'Nothing was pasted.',
      'Paste the code (or the whole address) the browser showed after you signed in.',
    );
  let code: string | undefined;
  let state: string | undefined;
  let error: string | undefined;
  if (/^https?:\/\//i.test(text)) {
    const url = parseUrl(text);
    const q = url.searchParams;
    const h = new URLSearchParams(url.hash.slice(1));
    code = q.get('code') ?? h.get('code') ?? undefined;
    state = q.get('state') ?? h.get('state') ?? undefined;
    error = q.get('error') ?? h.get('error') ?? undefined;
  } else if (text.includes('code=')) {
    const q = new URLSearchParams(text.replace(/^[?#]/, ''));
    code = q.get('code') ?? undefined;
    state = q.get('state') ?? undefined;
    error = q.get('error') ?? undefined;
  } else if (text.includes('#')) {
    [code, state] = text.split('#', 2);
  } else {
    code = text;
  }
  if (error)
    throw new Fault(
      'denied',
      `The provider refused the sign-in${codeText(error)}.`,
      'Start the sign-in again and approve access in the browser.',
    );
  if (!code || /\s/.test(code))
    throw new Fault(
      'oauth',
      'That does not look like a sign-in code.',
      'Paste the code (or the whole address) the browser showed after you signed in.',
    );
  if (state !== undefined && expectedState !== undefined && state !== expectedState) {
    throw new Fault(
      'oauth',
      'That code belongs to a different sign-in attempt (state mismatch).',
      'Start the sign-in again and paste the code from that attempt.',
    );
  }
  return { code, state };
}

/** A pasted address, or a typed fault saying what to paste (`new URL` throws a bare TypeError). */
export function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Fault(
      'oauth',
      'That is not a complete web address.',
      "Paste the code, or the whole address from the browser's address bar after you signed in.",
    );
  }
}
