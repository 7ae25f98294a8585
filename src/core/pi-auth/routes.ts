import type { TestRoutes } from '../oauth/test-routes';

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
export function piRoutesOf(testRoutes: TestRoutes): Routes | undefined {
  const pairs: [string, string][] = [];
  for (const [provider, keys] of Object.entries(testRoutes))
    for (const [key, target] of Object.entries(keys)) {
      const real = REAL_ENDPOINTS[provider]?.[key];
      if (real) pairs.push([real, target]);
    }
  return pairs.length ? routesOf(pairs) : undefined;
}

/**
 * Sends `fetch` requests (pi-ai's sign-ins use the global fetch) for routed addresses to their
 * targets; everything else goes out unchanged. The global fetch is wrapped rather than undici's
 * global dispatcher replaced: VS Code's extension host patches fetch to pass its own proxy
 * dispatcher with each request, which a global dispatcher never sees. Only installed when routes
 * are set (tests, and set-ups that name emulators in PI_ACCOUNTS_OAUTH_ENDPOINTS); returns the undo.
 */
export function installRouting(routes: Routes): () => void {
  const original = globalThis.fetch;
  const routed: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const to = routes.route(url);
    if (!to) return original(input, init);
    return original(typeof input === 'string' || input instanceof URL ? to : new Request(to, input), init);
  };
  globalThis.fetch = routed;
  return () => {
    if (globalThis.fetch === routed) globalThis.fetch = original;
  };
}
