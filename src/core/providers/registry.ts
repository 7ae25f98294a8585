import { findProvider } from './directory';
import type { OAuthProvider } from '../oauth/provider';
import type { TestRoutes } from '../oauth/test-routes';

export { ENDPOINTS_ENV, parseTestRoutes, type TestRoutes } from '../oauth/test-routes';

/** The OAuth implementation for a provider id, if it has one. */
export function oauthProvider(id: string, testRoutes: TestRoutes = {}): OAuthProvider | undefined {
  return findProvider(id)?.oauth?.(testRoutes[id] ?? {});
}

/**
 * `oauthProvider`, each built once: the resolver and every auth.json sync ask for them, and
 * building one can read a file (Kimi's device id).
 */
export function oauthProviders(testRoutes: TestRoutes = {}): (id: string) => OAuthProvider | undefined {
  const built = new Map<string, OAuthProvider | undefined>();
  return (id) => {
    if (!built.has(id)) built.set(id, oauthProvider(id, testRoutes));
    return built.get(id);
  };
}
