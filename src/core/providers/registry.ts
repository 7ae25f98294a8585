import * as z from 'zod/mini';
import { parseJson } from '../json';
import { Fault } from '../faults';
import { findProvider } from './directory';
import type { OAuthProvider } from '../oauth/provider';

/**
 * Endpoint overrides for testing against local emulators. Only loopback addresses are taken,
 * so nothing (a hostile environment included) can send a token to another machine this way.
 */
const loopbackUrl = z
  .string()
  .check(
    z.refine((u) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), 'must be a loopback URL'),
  );
const overridesSchema = z.record(z.string(), z.record(z.string(), loopbackUrl));
export type EndpointOverrides = z.infer<typeof overridesSchema>;

export const ENDPOINTS_ENV = 'PI_ACCOUNTS_OAUTH_ENDPOINTS';

export function parseEndpointOverrides(raw: string | undefined): EndpointOverrides {
  if (!raw) return {};
  const r = overridesSchema.safeParse(parseJson(raw));
  if (!r.success)
    throw new Fault(
      'oauth',
      `${ENDPOINTS_ENV} is set but is not a JSON map of loopback URLs; it is ignored.`,
      `Unset ${ENDPOINTS_ENV}.`,
    );
  return r.data;
}

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
