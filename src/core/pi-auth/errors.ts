import { aborted, Fault, isFault } from '../faults';
import { networkFault } from '../network-words';
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
  // fetch's "fetch failed" carries the transport error as its cause; pi-ai's messages repeat it
  // as "cause=Error: connect ECONNREFUSED 127.0.0.1:4000; code=ECONNREFUSED" (1.6.1 oauth/*.js).
  const cause = causeOf(e);
  const code = cause?.code ?? /\bcode=([A-Z][A-Z_]+)/.exec(message)?.[1];
  if (code || /fetch failed/i.test(message)) {
    const address = cause?.address
      ? `${cause.address}${cause.port ? `:${cause.port}` : ''}`
      : (/\b(?:connect|getaddrinfo) [A-Z_]+ ([\w.-]+(?::\d+)?)/.exec(message)?.[1] ??
        /\burl=https?:\/\/([^/;\s]+)/.exec(message)?.[1] ??
        'the provider');
    return networkFault(address, code);
  }
  return new Fault('oauth', `${what} failed: ${text}`, 'Try again; if it keeps failing, see the "Pi Accounts" log.');
}

/** The innermost Node error under fetch's "fetch failed" (its `cause` chain). */
function causeOf(e: unknown): { code?: string; address?: string; port?: number } | undefined {
  let at: unknown = e;
  for (let i = 0; i < 5 && at instanceof Error; i++) {
    const c = at as Error & { code?: unknown; address?: unknown; port?: unknown };
    if (typeof c.code === 'string')
      return {
        code: c.code,
        address: typeof c.address === 'string' ? c.address : undefined,
        port: typeof c.port === 'number' ? c.port : undefined,
      };
    at = c.cause;
  }
  return undefined;
}
