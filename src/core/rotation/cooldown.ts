// How long an account rests after a failed answer, read from what the failure carried. Pure
// functions: the pi link and the model bridge pass what they have (headers already parsed into a
// wait, or only pi's error text), and rotation records the result.

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
