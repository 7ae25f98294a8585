// When a rate-limited account may be asked again, from what the refusal names: the body first
// (ChatGPT/Codex `usage_limit_reached` with `resets_at` / `resets_in_seconds`, as pi-ai 1.6.1's
// openai-codex-responses.js reads it; Google's RetryInfo `retryDelay`), then the headers
// (`retry-after-ms`, `retry-after` seconds or HTTP date, `x-ratelimit-reset-*` durations,
// `anthropic-ratelimit-*-reset` times). Every time is clamped: the past, the non-finite and
// anything beyond a week count as unknown, so a hostile or broken value never rests an account
// for years or throws on `new Date(…)`.

/** The longest rest a refusal may ask for; beyond it the value is treated as unknown. */
export const MAX_REST_MS = 7 * 24 * 3_600_000;

const clamp = (at: number, now: number): number | undefined =>
  Number.isFinite(at) && at > now && at - now <= MAX_REST_MS ? Math.ceil(at) : undefined;

/** "1m30s", "20ms", "6m0s", "2.5s", "1h" (OpenAI's x-ratelimit-reset-*) in ms. */
export function durationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.trim();
  if (t.length > 40) return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000);
    end = re.lastIndex;
  }
  return end === t.length && end > 0 ? total : undefined;
}

/** A time in seconds or ms since the epoch (a reset named as a number). */
const epochMs = (n: number) => (n < 1e11 ? n * 1000 : n);

function fromBody(body: string | undefined, now: number): number | undefined {
  if (!body || body.length > 64 * 1024) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const err = (json as { error?: unknown } | null)?.error ?? json;
  if (!err || typeof err !== 'object') return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.resets_at === 'number') return clamp(epochMs(e.resets_at), now);
  if (typeof e.resets_at === 'string') return clamp(Date.parse(e.resets_at), now);
  if (typeof e.resets_in_seconds === 'number') return clamp(now + e.resets_in_seconds * 1000, now);
  // Google: { error: { details: [{ "@type": "…RetryInfo", retryDelay: "30s" }] } }
  if (Array.isArray(e.details))
    for (const d of e.details as unknown[]) {
      const delay = (d as { retryDelay?: unknown } | null)?.retryDelay;
      if (typeof delay === 'string') return clamp(now + (durationMs(delay) ?? NaN), now);
    }
  return undefined;
}

function fromHeaders(h: Readonly<Record<string, string>>, now: number): number | undefined {
  const ms = h['retry-after-ms'];
  if (ms !== undefined) return clamp(now + Number(ms), now);
  const after = h['retry-after'];
  if (after !== undefined) {
    const s = Number(after);
    return clamp(Number.isFinite(s) ? now + s * 1000 : Date.parse(after), now);
  }
  const resets: number[] = [];
  for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    const a = h[`anthropic-ratelimit-${kind}-reset`];
    if (a) resets.push(Date.parse(a));
    const o = durationMs(h[`x-ratelimit-reset-${kind}`]);
    if (o !== undefined) resets.push(now + o);
  }
  const known = resets.map((r) => clamp(r, now)).filter((r): r is number => r !== undefined);
  return known.length ? Math.max(...known) : undefined;
}

/** Epoch ms until which the account should rest, or undefined when the refusal names no sane time. */
export function restUntil(
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
  now = Date.now(),
): number | undefined {
  return fromBody(body, now) ?? fromHeaders(headers, now);
}
