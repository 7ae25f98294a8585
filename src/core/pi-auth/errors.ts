import { aborted, Fault, isFault } from '../faults';
import { bounded } from '../redact';

// pi-ai's login and refresh errors are plain Errors whose messages can carry what the server
// sent, e.g. "Token exchange returned invalid JSON. url=…; body=…; details=…"
// (@earendil-works/pi-ai 1.6.1 dist/auth/oauth/anthropic.js). The body is dropped here, before
// the message reaches the redactor (src/core/redact.ts), which every message passes on its way out.
const BODY = /\bbody=[^;]*;?/g;

/** Refusals that mean the saved sign-in is spent (RFC 6749 §5.2 invalid_grant and friends). */
const SPENT = /invalid_grant|refresh_token_reused|token (?:has been )?(?:revoked|expired)|bad_refresh_token/i;

/**
 * A pi-ai login or refresh failure as a typed fault with a next step. `person` is the signal the
 * person cancels with: its abort is "cancelled"; any other abort is a timeout.
 */
export function piFault(e: unknown, what: string, person?: AbortSignal): Fault {
  if (isFault(e)) return e;
  if (person?.aborted) return aborted();
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (/TimeoutError|AbortError|aborted|timed? ?out/i.test(message))
    return new Fault(
      'network',
      `${what}: the provider did not answer in time.`,
      'Check your connection and try again.',
    );
  const text = bounded(message.replace(BODY, 'body=(not shown);'));
  if (SPENT.test(message))
    return new Fault(
      'needs-sign-in',
      `${what} was refused: the saved sign-in is no longer valid.`,
      'Sign in again; the account is kept until you do.',
    );
  const status = /\b(?:status=|HTTP )(\d{3})\b/.exec(message)?.[1];
  if (status?.startsWith('5'))
    return new Fault('network', `${what}: the provider answered ${status}.`, 'Try again in a moment.');
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|network/i.test(message))
    return new Fault(
      'network',
      `${what} could not reach the provider (${text}).`,
      'Check your connection and try again.',
    );
  return new Fault('oauth', `${what} failed: ${text}`, 'Try again; if it keeps failing, see the "Pi Accounts" log.');
}
