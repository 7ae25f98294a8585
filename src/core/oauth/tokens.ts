import * as z from 'zod/mini';
import { parseJson } from '../json';
import { Emitter } from '../events';
import { Fault } from '../faults';
import type { HttpResponse } from '../http';

// pi reads `expires_in` as `data.expires_in * 1000` (pi-ai 0.73.1, utils/oauth/anthropic.js), so a
// numeric string ("3600") works for pi and must work here; anything else is judged later.
const tokenSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.optional(z.string()),
  expires_in: z.optional(z.unknown()),
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
 * The error code as it may appear in a message. RFC 6749 §5.2 codes are words joined by "_"
 * (invalid_grant, slow_down); anything else is server text that may echo a token, so it is named,
 * not quoted.
 */
export function codeText(code: string | undefined): string {
  if (code === undefined) return '';
  return /^[a-z]{2,20}(?:_[a-z]{2,20}){0,4}$/.test(code) ? ` (${code})` : ' (an unrecognised error code)';
}

/**
 * An answer that cannot be used whole but carries a refresh token the server issued: the old one
 * may already be spent, so the caller stores this one before reporting the fault.
 */
export class IssuedRefresh extends Fault {
  constructor(
    fault: Fault,
    readonly refresh: string,
  ) {
    super(fault.code, fault.message, fault.nextStep, fault.details);
  }
}

/**
 * A token endpoint's answer as a typed result or a typed fault. Fault messages carry the
 * status and the OAuth error code only: bodies can echo codes and tokens.
 */
export function parseTokenResponse(res: HttpResponse, what: string): TokenResponse {
  const error = oauthErrorCode(res);
  if (error === 'invalid_grant' || error === 'refresh_token_reused') {
    throw new Fault(
      'needs-sign-in',
      `${what} was refused (${error}): the saved sign-in is no longer valid.`,
      'Sign in again; the account is kept until you do.',
    );
  }
  if (error === 'access_denied')
    throw new Fault('denied', `${what} was refused (access_denied).`, 'Start the sign-in again and approve access.');
  // Not retried at once: hammering a rate-limited token endpoint only extends the wait.
  if (res.status === 429)
    throw new Fault(
      'oauth',
      `${what} was rate-limited by the provider (429).`,
      'Wait a minute, then try again; the account is kept.',
    );
  if (res.status >= 500)
    throw new Fault(
      'network',
      `${what} failed: the server answered ${res.status}.`,
      'The provider has a problem; try again in a moment.',
    );
  if (res.status !== 200 || error)
    throw new Fault(
      'oauth',
      `${what} failed: the server answered ${res.status}${codeText(error)}.`,
      'Try signing in again; if it keeps failing, see the log.',
    );
  const parsed = tokenSchema.safeParse(res.json);
  if (!parsed.success) {
    const fault = new Fault(
      'oauth',
      `${what} failed: the server's answer is not a token response.`,
      'Try again; if it keeps failing, see the log.',
    );
    const issued = (res.json as { refresh_token?: unknown } | undefined)?.refresh_token;
    throw typeof issued === 'string' && issued ? new IssuedRefresh(fault, issued) : fault;
  }
  return parsed.data;
}

/** Lifetimes outside these bounds are clamped: a huge one made an expiry of Infinity, which JSON stores as null. */
export const MIN_LIFETIME_S = 60;
export const MAX_LIFETIME_S = 365 * 24 * 60 * 60;
const DEFAULT_LIFETIME_S = 3600;

/** Tells the log when a server's lifetime was clamped or unreadable (the composition root listens). */
export const lifetimeNotices = new Emitter<string>('token lifetime notices');

/** A lifetime in seconds as pi reads it (a number or a numeric string), clamped to 60 s … 1 year. */
export function lifetimeSeconds(expiresIn: unknown): number {
  if (expiresIn === undefined) return DEFAULT_LIFETIME_S;
  const n =
    typeof expiresIn === 'number'
      ? expiresIn
      : typeof expiresIn === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(expiresIn)
        ? Number(expiresIn)
        : NaN;
  if (Number.isNaN(n)) {
    lifetimeNotices.fire(`The token answer's expires_in is not a number; assuming ${DEFAULT_LIFETIME_S} s.`);
    return DEFAULT_LIFETIME_S;
  }
  const clamped = Math.min(Math.max(n, MIN_LIFETIME_S), MAX_LIFETIME_S);
  if (clamped !== n)
    lifetimeNotices.fire(
      `The token answer's expires_in (${String(n).slice(0, 24)} s) is outside ${MIN_LIFETIME_S} s … 1 year; using ${clamped} s.`,
    );
  return clamped;
}

/** pi's convention: epoch ms, and most providers subtract 5 minutes so a refresh comes early. */
export function expiresAt(expiresIn: unknown, now: number, earlyMs: number): number {
  return now + lifetimeSeconds(expiresIn) * 1000 - earlyMs;
}

/** An absolute expiry (epoch ms) a server sent, kept within the same bounds as lifetimes. */
export function clampExpiry(expires: number, now: number): number {
  const lifetime = (expires - now) / 1000;
  const seconds = lifetimeSeconds(lifetime);
  return seconds === lifetime ? expires : now + seconds * 1000;
}

/** The claims of a JWT, unverified: only for reading ids the server put there. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  const claims = parseJson(Buffer.from(part, 'base64url').toString('utf8'));
  return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
}
