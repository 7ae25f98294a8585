import * as z from 'zod/mini';
import { parseJson } from '../json';
import { Fault } from '../faults';
import type { HttpResponse } from '../http';

const tokenSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.optional(z.string()),
  expires_in: z.optional(z.number()),
  id_token: z.optional(z.string()),
  token_type: z.optional(z.string()),
  scope: z.optional(z.string()),
});
export type TokenResponse = z.infer<typeof tokenSchema>;

const errorSchema = z.object({ error: z.string(), error_description: z.optional(z.string()) });

/** The OAuth `error` code of a response, if it carries one (GitHub sends them with status 200). */
export function oauthErrorCode(res: HttpResponse): string | undefined {
  const r = errorSchema.safeParse(res.json);
  return r.success ? r.data.error : undefined;
}

/**
 * A token endpoint's answer as a typed result or a typed fault. Fault messages carry the
 * status and the OAuth error code only: bodies can echo codes and tokens.
 */
export function parseTokenResponse(res: HttpResponse, what: string): TokenResponse {
  const error = oauthErrorCode(res);
  if (error === 'invalid_grant' || error === 'refresh_token_reused') {
    throw new Fault('needs-sign-in', `${what} was refused (${error}): the saved sign-in is no longer valid.`, 'Sign in again; the account is kept until you do.');
  }
  if (error === 'access_denied') throw new Fault('denied', `${what} was refused (access_denied).`, 'Start the sign-in again and approve access.');
  // Not retried at once: hammering a rate-limited token endpoint only extends the wait.
  if (res.status === 429) throw new Fault('oauth', `${what} was rate-limited by the provider (429).`, 'Wait a minute, then try again; the account is kept.');
  if (res.status >= 500) throw new Fault('network', `${what} failed: the server answered ${res.status}.`, 'The provider has a problem; try again in a moment.');
  if (res.status !== 200 || error) throw new Fault('oauth', `${what} failed: the server answered ${res.status}${error ? ` (${error})` : ''}.`, 'Try signing in again; if it keeps failing, see the log.');
  const parsed = tokenSchema.safeParse(res.json);
  if (!parsed.success) throw new Fault('oauth', `${what} failed: the server's answer is not a token response.`, 'Try again; if it keeps failing, see the log.');
  return parsed.data;
}

/** pi's convention: epoch ms, and most providers subtract 5 minutes so a refresh comes early. */
export function expiresAt(expiresInSeconds: number | undefined, now: number, earlyMs: number): number {
  return now + (expiresInSeconds ?? 3600) * 1000 - earlyMs;
}

/** The claims of a JWT, unverified: only for reading ids the server put there. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  const claims = parseJson(Buffer.from(part, 'base64url').toString('utf8'));
  return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
}
