// The feedback port: what Pi Accounts does about one answer pi received. Everything the
// companion reports enters here (`PiFeedback.report`), and nothing else reaches Rotation from pi.
import { keyOf } from '../credentials';
import { describe } from '../faults';
import type { Logger } from '../log';
import type { Feedback } from '../outlet';
import type { RotationMode } from '../rotation/policy';
import type { Rotation } from '../rotation/rotation';
import type { SecretRef } from '../secret-ref';
import type { AccountInfo, RequestSettings, Vault } from '../vault';
import { boundUsable, fingerprint, type PiReport, type PiRequest, type Usable } from './protocol';
import { restUntil, usageFromHeaders } from './usage-headers';
import { isoTime } from '../time-bounds';
import { classify, type Failure } from '../rotation/cooldown';
import type { Diagnostics } from '../diagnostics';

export interface PiFeedbackDeps {
  readonly vault: Vault;
  readonly rotation: Pick<Rotation, 'inUse' | 'evaluate'> &
    Partial<Pick<Rotation, 'started' | 'ended' | 'ownerGone' | 'holdOf'>>;
  readonly mode: (provider: string) => RotationMode;
  /** Where a 429, a refused sign-in and the usage figures pi's answer carried are written back. */
  readonly feedback: Pick<Feedback, 'failed' | 'succeeded' | 'refused' | 'usageSeen'>;
  /** One refresh of a sign-in whose access token `refused` the provider turned away. */
  readonly refresh: (provider: string, account: string, refused: string) => Promise<unknown>;
  /** Manual mode: tell the person once that `account` is rate-limited (with a "Switch" action). */
  readonly tellRateLimited: (provider: string, account: string, until: number) => void;
  readonly log: Logger;
  /** Asks the provider for its own reason when pi's error text names none (src/core/diagnostics.ts). */
  readonly diagnostics?: Pick<Diagnostics, 'explain'>;
  /** A key kept in a password manager as read lately, to tell which account pi's request carried. */
  readonly peekRef?: (ref: SecretRef) => string | undefined;
}

export interface PiDecision {
  /** The account the request used, when Pi Accounts knows it. */
  readonly account?: string;
  /** pi should re-read auth.json before its next request: the active account or its token changed. */
  readonly reload: boolean;
  /** In words, for the log and the view. */
  readonly summary: string;
}

/**
 * Providers whose sessions never keep a key: pi-ai derives openai-codex's `chatgpt-account-id`
 * header from the token it resolved (@earendil-works/pi-ai 1.6.1, dist/api/openai-codex-responses.js), so
 * another account's token would go with this account's id.
 */
export const NO_PINS: ReadonlySet<string> = new Set(['openai-codex']);

/** Whether two accounts' request settings send a request to the same place with the same headers. */
export function sameRequest(a: RequestSettings | undefined, b: RequestSettings | undefined): boolean {
  const headers = (r: RequestSettings | undefined) => JSON.stringify(Object.entries(r?.headers ?? {}).sort());
  return (a?.baseUrl || undefined) === (b?.baseUrl || undefined) && headers(a) === headers(b);
}

export class PiFeedback {
  /** provider/account → the rest we already told the person about (manual mode tells once). */
  private readonly told = new Map<string, number>();
  /** Fingerprints of access tokens already refreshed after a 401: exactly one refresh each. */
  private readonly refreshed = new Set<string>();

  constructor(private readonly deps: PiFeedbackDeps) {}

  private secretOf(c: ReturnType<Vault['credential']>): string | undefined {
    if (c?.type === 'ref') return this.deps.peekRef?.(c.ref);
    return c ? keyOf(c) || undefined : undefined;
  }

  /**
   * Fingerprints of the keys a pi session may keep after a soft switch (sticky sessions): every
   * account that neither rests, nor waits for the person, nor needs a new sign-in, per provider,
   * and whose request settings (base URL and headers) are those of the account in use: pi sends
   * the in-use account's, so a pinned key goes only where its own account sends it (accounts may
   * share a host, e.g. per-account paths of a gateway). None for NO_PINS providers.
   */
  usable(): Usable {
    const out: Usable = {};
    for (const provider of this.deps.vault.providers()) {
      if (NO_PINS.has(provider)) continue;
      const inUse = this.deps.rotation.inUse(provider);
      if (!inUse) continue;
      const settings = this.deps.vault.request(provider, inUse.name);
      for (const a of this.deps.vault.accounts(provider)) {
        if (a.needsSignIn || this.deps.rotation.holdOf?.(provider, a.name)) continue;
        if (!sameRequest(this.deps.vault.request(provider, a.name), settings)) continue;
        const secret = this.secretOf(this.deps.vault.credential(provider, a.name));
        if (secret !== undefined) (out[provider] ??= []).push(fingerprint(secret));
      }
    }
    return boundUsable(out);
  }

  /** A request pi started or ended: counted in flight for the account whose key it carries. */
  request(r: PiRequest): void {
    const owner = `pi ${r.pid}`;
    if (r.phase === 'end') return this.deps.rotation.ended?.(owner, String(r.id));
    const account = this.accountOf(r);
    if (account) this.deps.rotation.started?.(r.provider, account.name, owner, String(r.id));
  }

  /** A pi disconnected: its requests are no longer in flight. */
  gone(pid: number): void {
    this.deps.rotation.ownerGone?.(`pi ${pid}`);
  }

  /** The feedback port: one provider answer pi received, and the decision it caused. */
  async report(r: PiReport): Promise<PiDecision> {
    const decision = await this.decide(r);
    const what = `${r.status}${r.error ? ` (${r.error.slice(0, 80)})` : ''}`;
    const line = `pi ${r.pid} request #${r.seq} to ${r.provider}${r.model ? `/${r.model}` : ''} with ${decision.account ?? 'a key Pi Accounts does not hold'}: ${what} → ${decision.summary}${decision.reload ? '; pi re-reads auth.json' : ''}.`;
    if (r.status >= 400) this.deps.log.info(line);
    else this.deps.log.trace(line);
    return decision;
  }

  private async decide(r: PiReport): Promise<PiDecision> {
    const account = this.accountOf(r);
    if (!account) return { reload: false, summary: 'nothing to do' };
    const name = account.name;
    const now = Date.now();
    const usage = usageFromHeaders(r.headers, now);
    if (usage) this.deps.feedback.usageSeen(r.provider, name, usage);
    const stale = this.deps.rotation.inUse(r.provider)?.name !== name;
    if (r.status < 400) this.deps.feedback.succeeded(r.provider, name, r.ms);
    else {
      const f = classify({ status: r.status, headers: r.headers, text: r.error, waitMs: waitOf(r, now) });
      // Only a report with pi's error text: one without is the headers of an answer whose text follows.
      if (r.error !== undefined)
        void this.deps.diagnostics
          ?.explain(r.provider, name, { status: r.status, text: r.error, model: r.model, handledAs: f.class })
          .catch((e: unknown) => this.deps.log.warn(`Could not ask ${r.provider} for its reason: ${describe(e)}`));
      if (f.class === 'disabled' && f.cause !== 'refused-key') return this.disabled(r, name, f);
      if (f.class === 'rate-limit' || f.class === 'quota' || f.class === 'weekly-quota' || f.class === 'transient')
        return this.rested(r, name, f, now, stale);
      // Counted for health (the request's fault is not); nothing rests.
      this.deps.feedback.failed(r.provider, name, f, `pi ${r.pid} request #${r.seq} answered ${r.status}`);
      if (f.class === 'disabled') return this.refused(r, account, stale);
      if (f.class === 'request') return { account: name, reload: stale, summary: `${f.reason}: no account switched` };
    }
    if (stale) return { account: name, reload: true, summary: `${name} is no longer the active account` };
    return { account: name, reload: false, summary: usage ? 'usage updated' : 'nothing to do' };
  }

  private disabled(r: PiReport, name: string, f: Failure): PiDecision {
    this.deps.feedback.failed(r.provider, name, f, `pi ${r.pid} request #${r.seq} answered ${r.status}`);
    const to = this.deps.rotation.inUse(r.provider)?.name;
    const moved = to !== undefined && to !== name;
    return {
      account: name,
      reload: moved,
      summary: `${name} disabled until you act (${f.reason})${moved ? `; active ${name} → ${to}` : ''}`,
    };
  }

  private rested(r: PiReport, name: string, f: Failure, now: number, stale: boolean): PiDecision {
    const until =
      this.deps.feedback.failed(r.provider, name, f, `pi ${r.pid} request #${r.seq} answered ${r.status}`) ?? now;
    const to = this.deps.rotation.inUse(r.provider)?.name;
    const rest = `${name} rests until ${isoTime(until)} (${f.class})`;
    if (to && to !== name) return { account: name, reload: true, summary: `${rest}; active ${name} → ${to}` };
    if (this.deps.mode(r.provider) === 'manual' && !stale) {
      const id = `${r.provider}/${name}`;
      if ((this.told.get(id) ?? 0) < now) {
        this.told.set(id, until);
        this.deps.tellRateLimited(r.provider, name, until);
      }
      return { account: name, reload: false, summary: `${rest}; manual mode: the person was told` };
    }
    return { account: name, reload: stale, summary: `${rest}; no other account to use` };
  }

  private async refused(r: PiReport, account: AccountInfo, stale: boolean): Promise<PiDecision> {
    const name = account.name;
    if (account.kind === 'oauth') {
      const secret = this.secretOf(this.deps.vault.credential(r.provider, name));
      if (!r.key || this.refreshed.has(r.key) || !secret || fingerprint(secret) !== r.key)
        return { account: name, reload: true, summary: 'the sign-in was already refreshed' };
      this.refreshed.add(r.key);
      try {
        await this.deps.refresh(r.provider, name, secret);
        return { account: name, reload: true, summary: 'sign-in refreshed once' };
      } catch (e) {
        this.deps.rotation.evaluate(r.provider);
        return { account: name, reload: true, summary: `the refresh failed: ${describe(e)}` };
      }
    }
    if (!account.needsSignIn) await this.deps.feedback.refused(r.provider, name);
    this.deps.rotation.evaluate(r.provider);
    const to = this.deps.rotation.inUse(r.provider)?.name;
    return {
      account: name,
      reload: stale || (to !== undefined && to !== name),
      summary: `${name} marked refused (kept)${to && to !== name ? `; active ${name} → ${to}` : ''}`,
    };
  }

  /** The account whose key the request carried: by fingerprint, else the active one. */
  private accountOf(r: Pick<PiReport, 'provider' | 'key'>): AccountInfo | undefined {
    if (!r.key) return this.deps.rotation.inUse(r.provider);
    return this.deps.vault.accounts(r.provider).find((a) => {
      const secret = this.secretOf(this.deps.vault.credential(r.provider, a.name));
      return secret !== undefined && fingerprint(secret) === r.key;
    });
  }
}

/**
 * The provider's wait from the headers pi handed over (pi 1.x's after_provider_response), in ms;
 * without headers the classifier reads it from pi's error text ("Please try again in 10m0s": pi
 * 0.73 reports a 429 only through its message, its SDKs throw before any header reaches an
 * extension), else the class's own rest applies.
 */
export function waitOf(r: Pick<PiReport, 'headers'>, now: number): number | undefined {
  const until = restUntil(r.headers, now);
  return until !== undefined ? until - now : undefined;
}
