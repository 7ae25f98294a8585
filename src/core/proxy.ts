import type { HttpOptions } from './http';
import { undici } from './undici';

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
export function proxyOptions(s: ProxySettings, env: Env = process.env): HttpOptions | undefined {
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
  });
  return { dispatcher };
}
