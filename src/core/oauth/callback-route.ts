/**
 * How a browser sign-in's answer comes back in a remote window (Remote-SSH, Dev Containers,
 * Codespaces, code-server), where the login's callback server listens on the remote machine and
 * the browser runs on the person's own.
 *
 * The provider redirects to the address it has registered, `http://localhost:<port>/…` (Claude
 * 53692, ChatGPT 1455: @earendil-works/pi-ai 1.6.1 dist/auth/oauth/anthropic.js and
 * openai-codex.js), and refuses any other redirect_uri. VS Code's `env.asExternalUri` forwards a
 * remote port, but the local address it returns may be another port (the one asked for was
 * taken) or a proxy address (code-server's `/proxy/<port>/`, a Codespace's `*.app.github.dev`):
 * the browser's redirect to `localhost:<port>` then never reaches the server. So the forwarded
 * callback counts only when the forward keeps the port; otherwise the paste box is the way, and
 * says so (https://code.visualstudio.com/api/advanced-topics/remote-extensions#opening-something-in-a-local-browser-or-application).
 */
export type CallbackRoute = 'callback' | 'paste';

const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])$/i;

/** The loopback redirect an authorize address names in its redirect_uri, if it names one. */
export function loopbackRedirectOf(authorizeUrl: string): URL | undefined {
  let redirect: string | null;
  try {
    redirect = new URL(authorizeUrl).searchParams.get('redirect_uri');
  } catch {
    return undefined;
  }
  if (!redirect) return undefined;
  try {
    const url = new URL(redirect);
    return url.protocol === 'http:' && LOOPBACK.test(url.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 'callback' when `external` (what asExternalUri returned for `redirect`) is a loopback address on
 * the redirect's own port, so the browser's redirect reaches the forwarded server; 'paste' for
 * anything else (another port, a proxy host, https, nothing returned).
 */
export function callbackRoute(redirect: URL | string, external: string | undefined): CallbackRoute {
  if (!external) return 'paste';
  let to: URL;
  let from: URL;
  try {
    to = new URL(external);
    from = typeof redirect === 'string' ? new URL(redirect) : redirect;
  } catch {
    return 'paste';
  }
  const port = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80');
  return to.protocol === 'http:' && LOOPBACK.test(to.hostname) && port(to) === port(from) ? 'callback' : 'paste';
}
