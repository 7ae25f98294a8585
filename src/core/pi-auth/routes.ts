import type { Dispatcher } from 'undici';
import type { EndpointOverrides } from '../oauth/registry';
import { undici } from '../undici';

/**
 * The real addresses pi-ai's sign-ins use (@earendil-works/pi-ai 1.6.1 dist/auth/oauth/*.js),
 * under the keys PI_ACCOUNTS_OAUTH_ENDPOINTS has always used for them. A test set-up names a
 * loopback emulator per key; requests to the real address then go there at the HTTP layer, and
 * pi-ai's provider code runs unmodified.
 */
export const REAL_ENDPOINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  anthropic: {
    authorizeUrl: 'https://claude.ai/oauth/authorize',
    tokenUrl: 'https://platform.claude.com/v1/oauth/token',
  },
  'openai-codex': {
    authorizeUrl: 'https://auth.openai.com/oauth/authorize',
    tokenUrl: 'https://auth.openai.com/oauth/token',
  },
  openai: {
    authorizeUrl: 'https://auth.openai.com/api/accounts/authorize',
    tokenUrl: 'https://auth.openai.com/api/accounts/oauth/token',
  },
  'github-copilot': {
    web: 'https://github.com',
    api: 'https://api.github.com',
    models: 'https://api.individual.githubcopilot.com',
  },
  'kimi-coding': { host: 'https://auth.kimi.com' },
  xai: { host: 'https://auth.x.ai' },
  meta: { host: 'https://auth.meta.com', api: 'https://api.meta.ai' },
  openrouter: { web: 'https://openrouter.ai' },
};

export interface Routes {
  /** Where a request to `url` goes instead, or undefined when it is not routed. */
  route(url: string): string | undefined;
}

/** Routes from real address prefixes to loopback ones (longest prefix first). */
export function routesOf(pairs: Iterable<readonly [real: string, target: string]>): Routes {
  const table = [...pairs].sort((a, b) => b[0].length - a[0].length);
  return {
    route(url) {
      for (const [real, target] of table) {
        if (url === real || url.startsWith(`${real}/`) || url.startsWith(`${real}?`))
          return target.replace(/\/$/, '') + url.slice(real.length);
      }
      return undefined;
    },
  };
}

/** PI_ACCOUNTS_OAUTH_ENDPOINTS (loopback targets only, checked when parsed) as routes. */
export function routesFromOverrides(overrides: EndpointOverrides): Routes | undefined {
  const pairs: [string, string][] = [];
  for (const [provider, keys] of Object.entries(overrides))
    for (const [key, target] of Object.entries(keys)) {
      const real = REAL_ENDPOINTS[provider]?.[key];
      if (real) pairs.push([real, target]);
    }
  return pairs.length ? routesOf(pairs) : undefined;
}

/**
 * Sends `fetch` requests (pi-ai's sign-ins use the global fetch) for routed addresses to their
 * targets; everything else goes out unchanged. Only installed when routes are set (tests, and
 * set-ups that name emulators in PI_ACCOUNTS_OAUTH_ENDPOINTS); returns the undo.
 */
export function installRouting(routes: Routes): () => void {
  const u = undici();
  const before = u.getGlobalDispatcher();
  const routed = new u.Agent().compose(
    (dispatch: Dispatcher['dispatch']): Dispatcher['dispatch'] =>
      (opts, handler) => {
        const to = routes.route(new URL(opts.path, opts.origin ?? undefined).href);
        if (!to) return dispatch(opts, handler);
        const target = new URL(to);
        return dispatch({ ...opts, origin: target.origin, path: target.pathname + target.search }, handler);
      },
  );
  u.setGlobalDispatcher(routed);
  return () => u.setGlobalDispatcher(before);
}
