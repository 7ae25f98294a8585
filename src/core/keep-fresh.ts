import { describe, isFault } from './faults';
import type { Logger } from './log';
import type { Outlet } from './outlet';
import { REFRESH_MARGIN, type KeyResolver } from './resolver';
import type { InUseAccounts } from './rotation/rotation';
import type { Vault } from './vault';

const MAX_TIMER = 2 ** 31 - 1;
const RETRY_AFTER_FAILURE = 60_000;
// Never back to back: a provider that hands out tokens shorter-lived than the margin must not
// make this a loop.
const MIN_DELAY = 30_000;
// The resolver refreshes once less than the margin is left. Node times timers from the event
// loop's cached clock, which lags Date.now by however long the current tick runs, so a timer set
// for the margin can fire before it; the token would still count as fresh and not be refreshed.
const PAST_MARGIN = 1_000;

/**
 * Refreshes the active OAuth account of each provider a little before its token expires, so
 * what terminals and auth.json carry stays usable even when nothing asks for a key meanwhile.
 */
export class KeepFresh implements Outlet {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly vault: Vault,
    private readonly resolver: KeyResolver,
    private readonly log: Logger,
    private readonly o: { active: InUseAccounts; now?: () => number; minDelayMs?: number },
  ) {}

  /** Call after every vault or rotation change: re-plans one timer per active OAuth account. */
  sync(): void {
    this.dispose();
    for (const provider of this.vault.providers()) {
      const a = this.o.active.inUse(provider);
      if (!a || a.expires === undefined || a.needsSignIn) continue;
      this.plan(provider, a.name, a.expires - REFRESH_MARGIN + PAST_MARGIN - (this.o.now ?? Date.now)());
    }
  }

  private plan(provider: string, account: string, inMs: number): void {
    const id = `${provider}/${account}`;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        this.resolver.key(provider, account).catch((e: unknown) => {
          this.log.warn(`Keeping ${id} signed in failed: ${describe(e)}`);
          if (!isFault(e, 'needs-sign-in')) this.plan(provider, account, RETRY_AFTER_FAILURE);
        });
      },
      Math.min(Math.max(inMs, this.o.minDelayMs ?? MIN_DELAY), MAX_TIMER),
    );
    timer.unref?.();
    this.timers.set(id, timer);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
