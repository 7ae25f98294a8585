import { Fault } from './faults';

// Node/undici transport error codes in words. Codes from Node's errors documentation
// (https://nodejs.org/api/errors.html#common-system-errors) and undici's errors
// (https://undici.nodejs.org/#/docs/api/Errors). The code stays in the fault's details so the UI
// can offer "Try Again" and, where a proxy may be in the way, "Open Proxy Settings".
const WORDS: Record<string, { why: string; proxy: boolean }> = {
  ENOTFOUND: { why: 'its name could not be looked up (no DNS answer)', proxy: true },
  EAI_AGAIN: { why: 'its name could not be looked up just now (DNS did not answer)', proxy: true },
  ECONNREFUSED: { why: 'it refused the connection (nothing listens there)', proxy: true },
  ECONNRESET: { why: 'the connection was cut off', proxy: true },
  EPIPE: { why: 'the connection was cut off', proxy: true },
  ETIMEDOUT: { why: 'it did not answer in time', proxy: true },
  EHOSTUNREACH: { why: 'there is no route to it from this machine', proxy: true },
  ENETUNREACH: { why: 'this machine has no network route to it (offline?)', proxy: true },
  UND_ERR_CONNECT_TIMEOUT: { why: 'the connection could not be made in time', proxy: true },
  UND_ERR_HEADERS_TIMEOUT: { why: 'it did not answer in time', proxy: false },
  UND_ERR_BODY_TIMEOUT: { why: 'its answer stopped half-way', proxy: false },
  UND_ERR_SOCKET: { why: 'the connection was closed unexpectedly', proxy: true },
  UND_ERR_PROXY: { why: 'the proxy refused the connection', proxy: true },
  PROXY_CONNECT_CLOSED: { why: 'the proxy closed the connection instead of opening a tunnel to it', proxy: true },
  PROXY_CONNECT_TIMEOUT: { why: 'the proxy did not open a tunnel to it in time', proxy: true },
  CERT_HAS_EXPIRED: { why: 'its certificate has expired', proxy: false },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    why: 'it presented a self-signed certificate (a proxy that inspects traffic?)',
    proxy: true,
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    why: 'its certificate chain is self-signed (a proxy that inspects traffic?)',
    proxy: true,
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    why: 'its certificate could not be verified (a proxy that inspects traffic?)',
    proxy: true,
  },
  ERR_TLS_CERT_ALTNAME_INVALID: { why: 'its certificate is for another name', proxy: true },
};

/**
 * The `network` fault for a transport failure: what could not be reached and why, in words.
 * `code` is Node's/undici's error code (or the error's name), `timeoutMs` the limit that ran out.
 */
export function networkFault(host: string, code: string | undefined, timedOutAfterMs?: number): Fault {
  const known = code ? WORDS[code] : undefined;
  const why =
    timedOutAfterMs !== undefined
      ? `there was no answer within ${Math.round(timedOutAfterMs / 1000)} s`
      : (known?.why ?? 'the connection failed');
  const proxy = timedOutAfterMs !== undefined || (known?.proxy ?? true);
  const next = proxy
    ? "Check your connection and, behind a proxy, VS Code's proxy setting (http.proxy); then try again."
    : 'Try again in a moment.';
  return new Fault('network', `Could not reach ${host}: ${why}.`, next, {
    code: code ?? 'unknown',
    host,
    ...(proxy ? { proxy: 'maybe' } : {}),
  });
}
