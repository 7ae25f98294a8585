// Diagnostics: a provider that answers 401/402/403/429 without saying why (pi's "429 status code
// (no body)", an SDK's bare "Forbidden") gets asked once, with the smallest request it accepts,
// for its own reason; the log and a notification then show it, redacted. As pi-multi-auth 0.7
// does it (https://github.com/MasuRii/pi-multi-auth, src/provider-error-details.ts), bounded: one
// probe per account at a time, none again within PROBE_WINDOW_MS, PROBE_TIMEOUT_MS for the whole
// exchange and PROBE_MAX_BYTES of its body read, whatever the server does.
import { describe } from './faults';
import { http, type HttpOptions } from './http';
import type { Logger } from './log';
import type { Feedback } from './outlet';
import { findProvider } from './providers/directory';
import { bounded, MAX_SERVER_TEXT } from './redact';
import { classify, type FailureClass } from './rotation/cooldown';

export const PROBE_TIMEOUT_MS = 8000;
export const PROBE_MAX_BYTES = 8 * 1024;
/** A probe for an account is not repeated within this time: one bad hour is one probe, not sixty. */
export const PROBE_WINDOW_MS = 15 * 60_000;
/** The answers worth a probe: they rest or disable an account, and their reason decides how. */
export const PROBED = new Set([401, 402, 403, 429]);

// Words that say no more than the status does ("429 status code (no body)", "Too Many Requests").
const GENERIC = new Set(
  (
    'status code no body error errors http https request requests failed failure unauthorized unauthorised ' +
    'forbidden payment required too many rate limit limited limits exceeded unknown answered the a an api ' +
    'response access denied not allowed permission with by of for'
  ).split(' '),
);

/** The message out of a JSON error body (`{"error":{"message":…}}`, `{"message":…}`, `{"detail":…}`), else the text. */
export function reasonIn(text: string): string {
  const t = text.trim();
  try {
    const j = JSON.parse(t) as Record<string, unknown> | null;
    const e = j?.error;
    const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    const inner = e && typeof e === 'object' ? (e as Record<string, unknown>) : undefined;
    const found =
      pick(e) ??
      pick(inner?.message) ??
      pick(j?.message) ??
      pick(j?.detail) ??
      pick(inner?.code) ??
      pick(inner?.type) ??
      pick(j?.code);
    if (found !== undefined || j !== null) return found ?? '';
  } catch {
    // not JSON: the text itself (an HTML page says nothing useful)
  }
  return /^<(!doctype|html)/i.test(t) ? '' : t;
}

/** Whether a failed answer's text says nothing beyond its status (then a probe may ask). */
export function lacksReason(text: string | undefined): boolean {
  const rest = reasonIn(
    (text ?? '').replace(/^[^:]{0,80}\banswered\s+\d{3}\s*:?\s*/i, '').replace(/^\(?\d{3}\)?\s*:?\s*/, ''),
  );
  const words = rest.toLowerCase().match(/[a-z]{2,}/g) ?? [];
  return words.filter((w) => !GENERIC.has(w)).length < 2;
}

export interface ProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/**
 * The smallest request the provider accepts with the key: with the failed request's model, a
 * one-token completion (it meets the same limits the failed request met: a models listing is
 * often served to a key whose quota is used up); without one, the models listing the key check
 * uses (src/core/key-check.ts). Undefined for a provider whose API shape we do not know.
 */
export function probeRequest(
  provider: string,
  key: string,
  model?: string,
  baseUrl?: string,
): ProbeRequest | undefined {
  const entry = findProvider(provider)?.keyCheck;
  if (!entry) return undefined;
  const base = (baseUrl ?? entry.baseUrl).replace(/\/+$/, '');
  const messages = [{ role: 'user', content: '.' }];
  // https://docs.anthropic.com/en/api/messages, https://platform.openai.com/docs/api-reference/chat/create
  if (entry.wire === 'anthropic') {
    const headers = { 'x-api-key': key, 'anthropic-version': '2023-06-01', accept: 'application/json' };
    return model
      ? {
          method: 'POST',
          url: `${base}/v1/messages`,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ model, max_tokens: 1, messages }),
        }
      : { method: 'GET', url: `${base}/v1/models`, headers };
  }
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };
  return model
    ? {
        method: 'POST',
        url: `${base}/chat/completions`,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 1, messages }),
      }
    : { method: 'GET', url: `${base}/models`, headers };
}

export interface ProbeResult {
  /** The probe's answer status; undefined when none came (timeout, network). */
  readonly status?: number;
  /** The provider's own reason, redacted and bounded; undefined when the probe learnt none. */
  readonly reason?: string;
  /** One line for the log: what the probe learnt, or why it learnt nothing. */
  readonly note: string;
}

export interface DiagnosticsDeps {
  /** The account's API key; undefined for a sign-in (its requests need the provider's own client). */
  readonly key: (provider: string, account: string) => string | undefined;
  /** Where the account's requests go, when not the provider's own address (an override, a test server). */
  readonly baseUrl?: (provider: string, account: string) => string | undefined;
  readonly http?: () => HttpOptions | undefined;
  /** The one redaction helper (src/core/redact.ts): nothing a server sent leaves unredacted. */
  readonly redact: (text: string) => string;
  /** Where a reason that changes the failure's class is written back (rotation). */
  readonly feedback: Pick<Feedback, 'failed'>;
  /** Shows the provider's reason to the person (a notification). */
  readonly tell: (message: string) => void;
  readonly log: Logger;
  readonly now?: () => number;
}

/** One failed answer, as pi's report or our own model request saw it. */
export interface BareFailure {
  readonly status: number;
  /** The text the failure came with (pi's error text, the SDK's message). */
  readonly text?: string;
  /** The model the request was for: the probe then asks for one token of it. */
  readonly model?: string;
  /** The class the failure was handled as, before the probe (src/core/rotation/cooldown.ts). */
  readonly handledAs?: FailureClass;
}

export class Diagnostics {
  private readonly flights = new Map<string, Promise<ProbeResult | undefined>>();
  private readonly last = new Map<string, number>();
  /** Results already logged and shown: callers that shared a probe show its result once. */
  private readonly shown = new WeakSet<ProbeResult>();
  private readonly now: () => number;

  constructor(private readonly deps: DiagnosticsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * The provider's own reason for a failure that named none: one probe per account at a time
   * (a second caller shares the first's), none within PROBE_WINDOW_MS of the last. Undefined
   * when no probe runs (a usable message, another status, too soon, a sign-in, an unknown API).
   */
  probe(provider: string, account: string, f: BareFailure): Promise<ProbeResult | undefined> {
    if (!PROBED.has(f.status) || !lacksReason(f.text)) return Promise.resolve(undefined);
    const id = `${provider}\n${account}`;
    const flying = this.flights.get(id);
    if (flying) return flying;
    const last = this.last.get(id);
    if (last !== undefined && this.now() - last < PROBE_WINDOW_MS) return Promise.resolve(undefined);
    const key = this.deps.key(provider, account);
    const req = key ? probeRequest(provider, key, f.model, this.deps.baseUrl?.(provider, account)) : undefined;
    if (!req) return Promise.resolve(undefined);
    this.last.set(id, this.now());
    const flight = this.send(req).finally(() => this.flights.delete(id));
    this.flights.set(id, flight);
    return flight;
  }

  /**
   * After a bare failure was handled: probes (bounded, in the background of the caller), logs
   * and shows the provider's reason, and when the reason puts the failure in another class (a
   * bare 429 that was a weekly quota, a bare 403 from a disabled organisation) hands that on.
   */
  async explain(provider: string, account: string, f: BareFailure): Promise<ProbeResult | undefined> {
    const r = await this.probe(provider, account, f);
    if (!r || this.shown.has(r)) return r;
    this.shown.add(r);
    const label = findProvider(provider)?.label ?? provider;
    const who = `${label} account "${account}"`;
    if (r.reason === undefined) {
      this.deps.log.info(`${who} answered ${f.status} without a reason; ${r.note}`);
      return r;
    }
    const c = classify({ status: f.status, text: r.reason });
    const moved = f.handledAs !== undefined && c.class !== f.handledAs && c.class !== 'other' && c.class !== 'request';
    this.deps.log.warn(
      `${who} answered ${f.status} without a reason; ${r.note}${moved ? ` Now handled as ${c.class}: ${c.reason}.` : ''}`,
    );
    if (moved) this.deps.feedback.failed(provider, account, c, `the provider's own reason: ${r.reason}`);
    this.deps.tell(`${who} answered ${f.status}. ${label}'s own reason: "${r.reason}"`);
    return r;
  }

  private async send(req: ProbeRequest): Promise<ProbeResult> {
    const started = this.now();
    try {
      const res = await http(req.method, req.url, req.body, {
        ...this.deps.http?.(),
        headers: req.headers,
        timeoutMs: PROBE_TIMEOUT_MS,
        maxBytes: PROBE_MAX_BYTES,
        truncate: true,
      });
      const text = reasonIn(res.text);
      const ms = this.now() - started;
      if (res.status < 400 || !text)
        return {
          status: res.status,
          note: `a probe (${req.method} ${new URL(req.url).pathname}) answered ${res.status} in ${ms} ms${res.status < 400 ? ': the key works now' : ' without a reason either'}.`,
        };
      const reason = bounded(this.deps.redact(text), MAX_SERVER_TEXT);
      return {
        status: res.status,
        reason,
        note: `a probe (${req.method} ${new URL(req.url).pathname}) answered ${res.status} in ${ms} ms: "${reason}".`,
      };
    } catch (e) {
      return { note: `a probe learnt nothing: ${this.deps.redact(describe(e))}` };
    }
  }
}
