import * as z from 'zod/mini';
import type { OAuthCredential } from '../credentials';
import { Fault } from '../faults';
import { FIVE_MINUTES } from '../oauth/provider';
import { clampExpiry, IssuedRefresh } from '../oauth/tokens';

// What a pi-ai login or refresh hands back is parsed like any other answer from outside: pi
// computes `expires` as `Date.now() + expires_in * 1000 - 5 min` and copies `refresh_token` as it
// came (@earendil-works/pi-ai 1.6.1 dist/auth/oauth/anthropic.js), so a missing or odd field there
// becomes NaN, a far future or an undefined refresh token here unless we check.
const issuedSchema = z.looseObject({
  access: z.string().check(z.minLength(1)),
  refresh: z.optional(z.unknown()),
  expires: z.optional(z.unknown()),
});

/**
 * A credential a sign-in or refresh returned, fit to store: an access token is required; the
 * lifetime the server gave is bounded (60 s … 1 year, an hour when unreadable; the expiry stays
 * pi's 5 minutes early); a refresh token the server issued is kept, and a missing one keeps
 * `previous`'s (a refresh that does not rotate it).
 */
export function issuedCredential(
  raw: unknown,
  previous: OAuthCredential | undefined,
  what: string,
  now = Date.now(),
): OAuthCredential {
  const r = issuedSchema.safeParse(raw);
  if (!r.success) {
    const fault = new Fault(
      'oauth',
      `${what} returned no access token.`,
      'Try again; if it keeps failing, sign in again.',
    );
    // Refused, but the server issued a refresh token and the one sent may be spent: the resolver
    // stores it before reporting (IssuedRefresh).
    const refresh = (raw as { refresh?: unknown } | undefined)?.refresh;
    throw typeof refresh === 'string' && refresh && refresh !== previous?.refresh
      ? new IssuedRefresh(fault, refresh)
      : fault;
  }
  const { refresh, expires, ...rest } = r.data;
  const issued = typeof refresh === 'string' && refresh.length > 0 ? refresh : undefined;
  const expiry = typeof expires === 'number' ? expires : Number.NaN;
  return {
    ...rest,
    type: 'oauth',
    refresh: issued ?? previous?.refresh ?? '',
    // The bounds apply to the server's lifetime, not to pi's early expiry: bounding the latter
    // made a short-lived token we refreshed look newer than the one pi refreshed after it, so the
    // mirror refused pi's and spent a used refresh token (the soak with pi 1.6, expires_in 301 s).
    expires: clampExpiry(expiry + FIVE_MINUTES, now) - FIVE_MINUTES,
  };
}
