// How long an account rests after a failed answer, read from what the failure carried. Pure
// functions: the pi link and the model bridge pass what they have (headers already parsed into a
// wait, or only pi's error text), and rotation records the result.
import { DEFAULT_REST_MS } from './rest';

/** A wait longer than this is taken as this: no provider window is longer than a week (+1 day). */
export const MAX_WAIT_MS = 8 * 24 * 3_600_000;

/** A provider's wait kept within [0, MAX_WAIT_MS]; anything not a finite number is no wait. */
export function clampWait(ms: number | undefined): number | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_WAIT_MS);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const unitOf = (word: string): number => {
  const w = word.toLowerCase();
  if (w === 'ms' || w.startsWith('milli')) return UNIT_MS.ms;
  return UNIT_MS[w[0]];
};

// "10m0s", "1.5s", "250ms", "2h3m" (Go durations, as OpenAI's messages and headers write them)
// and "30 seconds", "5 min", "1 hour 30 minutes", "2 hours and 5 minutes".
const PART =
  /^[\s,]*(?:and\s+)?(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)(?![a-z])/i;

/** The duration at the start of `text` (after "in"/"after"), in ms, or undefined. */
function durationAt(text: string): number | undefined {
  let total = 0;
  let found = false;
  for (let rest = text, m = PART.exec(rest); m; rest = rest.slice(m[0].length), m = PART.exec(rest)) {
    total += Number(m[1]) * unitOf(m[2]);
    found = true;
  }
  return found ? total : undefined;
}

/**
 * The wait a provider's error message names, in ms: "Please try again in 10m0s" (OpenAI),
 * "Please retry in 21.6s" and `"retryDelay": "21s"` (Google, https://ai.google.dev/gemini-api/docs/rate-limits),
 * "try again after 30 seconds", "resets in 2 hours". Clamped like a header's wait.
 */
export function waitInText(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(text);
  if (delay) return clampWait(Number(delay[1]) * 1000);
  const re = /\b(?:try\s+again|retry|resets?|available\s+again)\s+(?:in|after)\s+/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const ms = durationAt(text.slice(m.index + m[0].length));
    if (ms !== undefined) return clampWait(ms);
  }
  return undefined;
}

/**
 * What a failed answer says about the account that sent it. Classes as pi-multi-auth 0.7 draws
 * them (https://github.com/MasuRii/pi-multi-auth, src/error-classifier.ts), rests as issue 27's
 * table sets them:
 * - rate-limit: a short limit (requests or tokens per minute); rests the provider's wait, else 60 s;
 * - quota: a spend or usage quota; the provider's wait, else 1 h;
 * - weekly-quota: a weekly window is used up; the provider's wait, else 12 → 24 → 48 → 72 h;
 * - transient: the provider failed (5xx, overloaded); 15 s doubling per failure up to 15 min;
 * - disabled: the key is refused, the organisation disabled or the balance used up; no timer
 *   ends it, only the person (`action`);
 * - request: the request's own fault (context too long, invalid request); another account
 *   would fail the same way, so nothing rotates;
 * - other: nothing to act on.
 */
export type FailureClass = 'rate-limit' | 'quota' | 'weekly-quota' | 'transient' | 'disabled' | 'request' | 'other';
export type DisabledCause = 'refused-key' | 'organisation-disabled' | 'no-balance';

export interface Failure {
  readonly class: FailureClass;
  /** In words, for the log and the view's tooltip. */
  readonly reason: string;
  /** The provider's own wait in ms, when it named one (header or message). */
  readonly waitMs?: number;
  /** For `disabled`: which kind, and what the person does to fix it. */
  readonly cause?: DisabledCause;
  readonly action?: string;
}

export interface FailureInput {
  readonly status: number;
  /** The answer's headers, lower-case names (only the rate-limit ones matter here). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body or the error message (pi's error text, the SDK's message). */
  readonly text?: string;
  /**
   * The wait the caller already read from the headers (Retry-After, reset headers), in ms; the
   * classifier does not parse headers for it, so one place owns their parsing and clamping.
   */
  readonly waitMs?: number;
}

const ACTION: Record<DisabledCause, string> = {
  'refused-key': 'Sign in again (or replace the key) with "Sign In Again…" in the Accounts view.',
  'organisation-disabled':
    'The provider disabled the organisation this account belongs to: ask its administrator, or use an account of another organisation. Choose "Use This Account" once it works again.',
  'no-balance':
    'Add credits on the provider\'s billing page, then choose "Use This Account" in the Accounts view to use it again.',
};

const has = (text: string, ...res: RegExp[]) => res.some((re) => re.test(text));
const NO_BALANCE = [
  /credit balance is too low/i,
  /insufficient[\s_-]*(?:balance|credits?|funds)/i,
  /outstanding[\s_-]*balance/i,
  /(?:no|not enough)\s+credits?/i,
  /credits?\s+(?:depleted|exhausted)/i,
  /balance\s+(?:depleted|exhausted|too\s+low)/i,
  /please\s+add\s+(?:credits|funds)/i,
  /payment\s+required/i,
];
const ORG_DISABLED = [/organi[sz]ation\b[^.\n]{0,40}\b(?:disabled|deactivated|suspended)/i];
const REFUSED = [
  /invalid[\s_-]*(?:x-)?api[\s_-]*key/i,
  /incorrect\s+api\s+key/i,
  /authentication_error/i,
  /invalid\s+(?:bearer\s+)?token/i,
];
const REQUEST_FAULT = [
  /context[\s_-]*(?:length|window)/i,
  /maximum\s+context/i,
  /prompt\s+is\s+too\s+long/i,
  /input\s+is\s+too\s+long/i,
  /too\s+many\s+(?:input\s+)?tokens/i,
  /request\s+too\s+large/i,
  /must\s+be\s+reduced/i,
];
const WEEKLY = [/\bweekly\b/i, /\b7[\s-]?day\b/i, /seven[\s_-]day/i];
const QUOTA = [
  /insufficient[\s_-]*quota/i,
  /exceeded\s+your\s+(?:current\s+)?quota/i,
  /quota\s+(?:exceeded|exhausted)/i,
  /resource[\s_-]*exhausted/i,
  /usage\s+limit/i,
  /(?:daily|monthly)\s+(?:limit|quota)/i,
];
const TRANSIENT = [/overloaded/i, /service\s+unavailable/i, /internal\s+server\s+error/i, /bad\s+gateway/i];

/** A full weekly window in the headers (Claude's unified 7d, Codex's secondary window). */
function weeklyFull(h: Readonly<Record<string, string>>): boolean {
  const claude = Number(h['anthropic-ratelimit-unified-7d-utilization']);
  const codexMinutes = Number(h['x-codex-secondary-window-minutes'] ?? 10080);
  const codex = Number(h['x-codex-secondary-used-percent']);
  return claude >= 1 || (codexMinutes >= 10080 && codex >= 100);
}

/** The failure an account whose provider reports its balance used up is disabled with. */
export const noBalance = (reason = 'the balance is used up'): Failure => ({
  class: 'disabled',
  reason,
  cause: 'no-balance',
  action: ACTION['no-balance'],
});

/** The class of one failed answer (status ≥ 400); see `FailureClass`. */
export function classify(i: FailureInput): Failure {
  const text = i.text ?? '';
  const waitMs = clampWait(i.waitMs) ?? waitInText(text);
  const disabled = (cause: DisabledCause, reason: string): Failure => ({
    class: 'disabled',
    reason,
    cause,
    action: ACTION[cause],
  });
  if (i.status === 402 || has(text, ...NO_BALANCE)) return disabled('no-balance', 'the balance is used up');
  if (has(text, ...ORG_DISABLED)) return disabled('organisation-disabled', 'the organisation is disabled');
  if (i.status === 401 || i.status === 403 || has(text, ...REFUSED))
    return disabled('refused-key', `the key or sign-in was refused (${i.status})`);
  if (has(text, ...REQUEST_FAULT))
    return { class: 'request', reason: "the request is too long for the model (the request's fault)" };
  if (i.status === 400 || i.status === 404 || i.status === 413 || i.status === 422)
    return { class: 'request', reason: `the request was refused as invalid (${i.status}, the request's fault)` };
  if (i.status === 429 || i.status === 529 || has(text, /rate[\s_-]*limit/i, ...QUOTA)) {
    if (weeklyFull(i.headers ?? {}) || has(text, ...WEEKLY))
      return { class: 'weekly-quota', reason: 'the weekly quota is used up', waitMs };
    if (has(text, ...QUOTA)) return { class: 'quota', reason: 'the usage quota is used up', waitMs };
    if (i.status !== 529) return { class: 'rate-limit', reason: `rate-limited (${i.status})`, waitMs };
  }
  if (i.status >= 500 || has(text, ...TRANSIENT))
    return { class: 'transient', reason: `the provider failed (${i.status})`, waitMs };
  return { class: 'other', reason: `answered ${i.status}` };
}

export const RATE_LIMIT_REST_MS = DEFAULT_REST_MS;
export const QUOTA_REST_MS = 3_600_000;
export const TRANSIENT_REST_MS = { first: 15_000, max: 15 * 60_000 } as const;
export const WEEKLY_REST_MS = [12, 24, 48, 72].map((h) => h * 3_600_000);

/**
 * How long the account rests after `f`, the `strike`-th failure of that class in a row (1 for
 * the first): the provider's wait when it named one, else the class's rest. Undefined: the
 * class does not rest the account (disabled, request, other).
 */
export function restMs(f: Failure, strike: number): number | undefined {
  const rest = classRest(f, Math.max(1, Math.floor(strike)));
  // "Retry-After: 0" still rests the account a moment, so the failure moves rotation on.
  return rest === undefined ? undefined : Math.max(MIN_REST_MS, rest);
}

/** The shortest rest: long enough that the decision right after sees the account resting. */
export const MIN_REST_MS = 1000;

function classRest(f: Failure, n: number): number | undefined {
  switch (f.class) {
    case 'rate-limit':
      return f.waitMs ?? RATE_LIMIT_REST_MS;
    case 'quota':
      return f.waitMs ?? QUOTA_REST_MS;
    case 'weekly-quota':
      return f.waitMs ?? WEEKLY_REST_MS[Math.min(n, WEEKLY_REST_MS.length) - 1];
    case 'transient':
      return f.waitMs ?? Math.min(TRANSIENT_REST_MS.first * 2 ** Math.min(n - 1, 20), TRANSIENT_REST_MS.max);
    default:
      return undefined;
  }
}

/** "quota, 1 h" for the log and the tooltip. */
export function describeRest(f: Failure, ms: number): string {
  const h = ms / 3_600_000;
  const span =
    h >= 1 ? `${+h.toFixed(1)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
  return `${f.class}: ${f.reason}; rests ${span}${f.waitMs !== undefined ? " (the provider's wait)" : ''}`;
}
