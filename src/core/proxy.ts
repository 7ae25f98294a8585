import type { Dispatcher } from 'undici';
import type { HttpOptions } from './http';
import { undici } from './undici';

/**
 * How long the proxy may take to open a tunnel (answer CONNECT). undici's ProxyAgent (7.x,
 * lib/dispatcher/proxy-agent.js) passes no request's signal to its CONNECT, so a proxy that
 * accepts and never answers held the request for the proxy client's 300 s headers timeout.
 */
export const PROXY_CONNECT_MS = 10_000;

/** Error codes for a tunnel the proxy did not open (see network-words.ts). */
export const PROXY_CLOSED = 'PROXY_CONNECT_CLOSED';
export const PROXY_STALLED = 'PROXY_CONNECT_TIMEOUT';

/**
 * The client to the proxy, with a CONNECT that gives up after `connectMs` and fails in a way
 * undici does not retry. A proxy that closes the connection at once fails CONNECT with
 * UND_ERR_SOCKET, which undici's client treats as recoverable and retries at once, forever
 * (lib/dispatcher/client.js, onError): ~21,000 CONNECTs in 6 s. Any other code fails the
 * request, and the caller's retry (withRetry) backs off.
 */
function boundedProxyClient(connectMs: number) {
  return (origin: URL, opts: object): Dispatcher => {
    const pool = new (undici().Pool)(origin, opts);
    const original: (o: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData> = pool.connect.bind(pool);
    const connect = (o: Dispatcher.ConnectOptions) => original(o);
    const bounded = async (o: Dispatcher.ConnectOptions) => {
      const timeout = AbortSignal.timeout(connectMs);
      try {
        return await connect({
          ...o,
          signal: o.signal instanceof AbortSignal ? AbortSignal.any([o.signal, timeout]) : timeout,
        });
      } catch (e) {
        const err = e as Error & { code?: string };
        if (!timeout.aborted && err.code !== 'UND_ERR_SOCKET') throw e; // refused, DNS…: not retried by undici
        const code = timeout.aborted ? PROXY_STALLED : PROXY_CLOSED;
        throw Object.assign(new Error(`proxy CONNECT failed (${err.message})`), { code, cause: e });
      }
    };
    Object.assign(pool, { connect: bounded });
    return pool;
  };
}

/** VS Code's proxy settings (`http.proxy`, `http.noProxy`, `http.proxyStrictSSL`, `http.proxyAuthorization`). */
export interface ProxySettings {
  /** e.g. `http://user:pass@proxy:3128`; empty: HTTPS_PROXY / HTTP_PROXY from the environment, if set. */
  readonly proxy: string;
  /** Hosts reached directly, in NO_PROXY's syntax (`example.com`, `.example.com`, `10.0.0.1:8080`, `*`). */
  readonly noProxy: readonly string[];
  /** Verify certificates (of the proxy, and of servers reached through it). */
  readonly strictSSL: boolean;
  /** A Proxy-Authorization header value; credentials in the proxy URL work too. */
  readonly authorization?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The dispatcher our requests use. NO_PROXY from the environment adds to `http.noProxy`, as
 * in VS Code (https://code.visualstudio.com/docs/setup/network#_proxy-server-support).
 * Built only when a proxy is in play, so undici is not loaded for it otherwise.
 */
export function proxyOptions(
  s: ProxySettings,
  env: Env = process.env,
  connectMs = PROXY_CONNECT_MS,
): HttpOptions | undefined {
  const proxy = s.proxy.trim() || env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || '';
  if (!proxy) return undefined;
  const noProxy = [...s.noProxy, env.NO_PROXY ?? env.no_proxy ?? '']
    .map((h) => h.trim())
    .filter(Boolean)
    .join(',');
  const tls = { rejectUnauthorized: s.strictSSL };
  const dispatcher = new (undici().EnvHttpProxyAgent)({
    httpProxy: proxy,
    httpsProxy: proxy,
    noProxy,
    requestTls: tls,
    proxyTls: tls,
    token: s.authorization || undefined,
    clientFactory: boundedProxyClient(connectMs),
  });
  return { dispatcher };
}
