// Usage figures read off the headers of an answer pi already received: no request of our own.
// Header names and their public sources:
// - anthropic-ratelimit-unified-{5h,7d}-{utilization,reset}, -unified-status: sent on Claude
//   Pro/Max (OAuth) answers; undocumented by Anthropic, utilization is a fraction 0..1 and reset
//   unix seconds, as public clients read them (search GitHub for
//   "anthropic-ratelimit-unified-5h-utilization").
// - anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}:
//   https://docs.anthropic.com/en/api/rate-limits#response-headers (reset is RFC 3339).
// - x-ratelimit-{limit,remaining,reset}-{requests,tokens}: OpenAI and OpenAI-compatible APIs,
//   https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers (reset like "6m0s").
// - x-codex-{primary,secondary}-{used-percent,window-minutes,reset-at,reset-after-seconds}:
//   ChatGPT (Codex) answers, as parsed by the Codex CLI, https://github.com/openai/codex
//   (codex-rs, rate-limit snapshot from response headers).
import {
  clampPercent,
  retryAfter,
  toEpochMs,
  windowLabel,
  type UsageSnapshot,
  type UsageWindow,
} from '../usage/usage-client';
import { saneDelay, saneTime } from '../time-bounds';

type Headers = Readonly<Record<string, string>>;

/** `now + ms` for a sane delay; undefined for a missing or absurd one. */
const plus = (now: number, ms: number | undefined) => {
  const d = saneDelay(ms);
  return d === undefined ? undefined : now + d;
};

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** "6m0s", "1.5s", "250ms", "2h" (OpenAI's reset durations) as milliseconds. */
export function durationMs(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const plain = num(v);
  if (plain !== undefined) return plain * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched += m[0];
  }
  return matched === v ? total : undefined;
}

/** Percent used from a limit/remaining pair, or undefined. */
const usedOf = (limit: number | undefined, remaining: number | undefined) =>
  limit && remaining !== undefined ? clampPercent(((limit - remaining) / limit) * 100) : undefined;

/** The usage windows these headers describe, or undefined when they describe none. */
export function usageFromHeaders(h: Headers, now: number): UsageSnapshot | undefined {
  const windows: UsageWindow[] = [];
  for (const [key, label, minutes] of [
    ['5h', '5h', 300],
    ['7d', '7d', 10080],
  ] as const) {
    const used = num(h[`anthropic-ratelimit-unified-${key}-utilization`]);
    const reset = num(h[`anthropic-ratelimit-unified-${key}-reset`]);
    if (used !== undefined)
      windows.push({
        label,
        usedPercent: clampPercent(used * 100),
        windowMinutes: minutes,
        resetsAt: reset ? saneTime(toEpochMs(reset), now) : undefined,
      });
  }
  for (const w of ['primary', 'secondary'] as const) {
    const used = num(h[`x-codex-${w}-used-percent`]);
    if (used === undefined) continue;
    const minutes = num(h[`x-codex-${w}-window-minutes`]);
    const at = num(h[`x-codex-${w}-reset-at`]);
    const after = num(h[`x-codex-${w}-reset-after-seconds`]);
    windows.push({
      label: windowLabel(minutes, w),
      usedPercent: clampPercent(used),
      windowMinutes: minutes,
      resetsAt: at ? saneTime(toEpochMs(at), now) : after !== undefined ? plus(now, after * 1000) : undefined,
    });
  }
  if (!windows.length) {
    for (const kind of ['requests', 'tokens'] as const) {
      const a = usedOf(num(h[`anthropic-ratelimit-${kind}-limit`]), num(h[`anthropic-ratelimit-${kind}-remaining`]));
      const aReset = h[`anthropic-ratelimit-${kind}-reset`];
      if (a !== undefined)
        windows.push({ label: kind, usedPercent: a, resetsAt: aReset ? saneTime(Date.parse(aReset), now) : undefined });
      const o = usedOf(num(h[`x-ratelimit-limit-${kind}`]), num(h[`x-ratelimit-remaining-${kind}`]));
      const oReset = durationMs(h[`x-ratelimit-reset-${kind}`]);
      if (o !== undefined) windows.push({ label: kind, usedPercent: o, resetsAt: plus(now, oReset) });
    }
  }
  return windows.length ? { windows, fetchedAt: now } : undefined;
}

/** Epoch ms until which a rate-limited account should rest: Retry-After and the providers'
 * reset headers (`retryAfter`), else the reset of a usage window at its limit. A time out of
 * range (`time-bounds`) counts as absent: undefined lets the caller's default rest apply. */
export function restUntil(h: Headers, now: number): number | undefined {
  const ms = plus(now, num(h['retry-after-ms']));
  if (ms !== undefined) return ms;
  const after = retryAfter({ status: 429, headers: h, text: '', json: undefined }, now);
  if (after !== undefined) return after;
  const full = usageFromHeaders(h, now)?.windows.filter((w) => w.usedPercent >= 100 && w.resetsAt);
  return full?.length ? Math.max(...full.map((w) => w.resetsAt!)) : undefined;
}
