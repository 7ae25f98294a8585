import { findProvider } from './directory';
import type { OAuthProvider } from '../oauth/provider';
import type { EndpointOverrides } from '../oauth/test-routes';

export { ENDPOINTS_ENV, parseEndpointOverrides, type EndpointOverrides } from '../oauth/test-routes';

/** The OAuth implementation for a provider id, if it has one. */
export function oauthProvider(id: string, overrides: EndpointOverrides = {}): OAuthProvider | undefined {
  return findProvider(id)?.oauth?.(overrides[id] ?? {});
}

/**
 * `oauthProvider`, each built once: the resolver and every auth.json sync ask for them, and
 * building one can read a file (Kimi's device id).
 */
export function oauthProviders(overrides: EndpointOverrides = {}): (id: string) => OAuthProvider | undefined {
  const built = new Map<string, OAuthProvider | undefined>();
  return (id) => {
    if (!built.has(id)) built.set(id, oauthProvider(id, overrides));
    return built.get(id);
  };
}
