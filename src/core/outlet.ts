// The two contracts between the core and what sits at its edges (see CONTRIBUTING.md, "Layout").
import type { UsageSnapshot } from './usage/usage-client';
import type { Failure } from './rotation/cooldown';
import type { Rotation } from './rotation/rotation';
import type { Vault } from './vault';

/**
 * Where the accounts in use show or go out: terminals' environment, the Accounts view, the
 * vscode.authentication providers, the status bar, the language models, the keep-fresh timers and
 * pi's auth.json / models.json. `sync()` brings the outlet in line with the vault and the rotation
 * as they are now: idempotent and cheap, so the composition root calls every outlet once per
 * change, however many paths the change came by.
 */
export interface Outlet {
  sync(): void;
}

/**
 * The feedback port: what the outlets learn from providers and from pi that the vault, the
 * rotation and the usage figures must take in. Every write-back from an outlet goes through here:
 * - the usage service: a usage endpoint answered 429 → `rateLimited`;
 * - the model bridge (vscode.lm requests): 429 → `rateLimited`, a refused key or sign-in → `refused`;
 * - pi's auth.json (mirror sync): pi's /login put an account in use → `chosen`;
 * - the pi companion (src/core/pi-link/feedback.ts): usage headers → `usageSeen`; every failed
 *   answer classified (src/core/rotation/cooldown.ts) → `failed`, a refused key → `refused`;
 *   every successful answer → `succeeded`.
 * Tokens pi refreshed in auth.json are taken into the vault by the mirror itself, under pi's lock
 * (src/core/mirror/auth-mirror.ts), because they must be stored before the lock is released.
 */
export interface Feedback {
  /** A provider answered 429 for the account: it rests until `until` (epoch ms); `why` is logged. */
  rateLimited(provider: string, account: string, until: number, why: string): void;
  /**
   * A failed answer, classified: the account rests for its class's time or is disabled until the
   * person acts; returns until when it rests. `why` is logged.
   */
  failed(provider: string, account: string, failure: Failure, why: string): number | undefined;
  /** A successful answer: failures in a row start again, a disabled account is usable again. */
  succeeded(provider: string, account: string, ms?: number): void;
  /** The provider refused the account's key or sign-in: kept, and marked to sign in again. */
  refused(provider: string, account: string): Promise<void>;
  /** Usage figures an answer carried: shown at once, and polling waits. */
  usageSeen(provider: string, account: string, snapshot: UsageSnapshot): void;
  /** The account was put in use outside Pi Accounts (pi's /login): it becomes the one in use. */
  chosen(provider: string, account: string): Promise<void>;
}

/** The feedback port as the vault and the rotation take it in; usage figures go to `usageSeen`. */
export function feedbackInto(d: {
  readonly vault: Pick<Vault, 'markNeedsSignIn'>;
  readonly rotation: Pick<Rotation, 'cooldown' | 'use' | 'failed' | 'succeeded'>;
  readonly usageSeen: Feedback['usageSeen'];
}): Feedback {
  return {
    rateLimited: (provider, account, until, why) => d.rotation.cooldown(provider, account, until, why),
    failed: (provider, account, failure, why) => d.rotation.failed(provider, account, failure, why),
    succeeded: (provider, account, ms) => d.rotation.succeeded(provider, account, ms),
    refused: (provider, account) => d.vault.markNeedsSignIn(provider, account),
    usageSeen: d.usageSeen,
    chosen: (provider, account) => d.rotation.use(provider, account),
  };
}
