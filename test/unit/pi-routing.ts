// Test builds reach pi-ai's unmodified sign-in code through the HTTP layer: requests to a
// provider's real host go to a loopback emulator (src/core/pi-auth/routes.ts), as the packaged
// extension does for PI_ACCOUNTS_OAUTH_ENDPOINTS.
import { oauthProvider } from '../../src/core/providers/registry';
import type { OAuthProvider } from '../../src/core/oauth/provider';
import { installRouting, REAL_ENDPOINTS, routesOf } from '../../src/core/pi-auth/routes';

const table = new Map<string, string>();
let installed = false;

/** Sends requests for `real` (a prefix) to `target` from now on, for the whole test process. */
export function route(real: string, target: string): void {
  table.set(real, target);
  if (!installed) installRouting({ route: (url) => routesOf(table).route(url) });
  installed = true;
}

/** pi-ai's sign-in for `id`, its endpoints routed to loopback targets under PI_ACCOUNTS_OAUTH_ENDPOINTS's keys. */
export function routedOAuth(id: string, endpoints: Record<string, string>): OAuthProvider {
  for (const [key, target] of Object.entries(endpoints)) {
    const real = REAL_ENDPOINTS[id]?.[key];
    if (!real) throw new Error(`no real endpoint "${key}" for ${id}`);
    route(real, target);
  }
  return oauthProvider(id, { [id]: endpoints })!;
}
