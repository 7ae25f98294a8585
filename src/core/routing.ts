// Who hears what: one change of the accounts (src/core/accounts.ts) reaches each outlet once,
// however many paths it came by. Kept apart from the composition root so the rules are tested
// without a browser (test/unit/routing.test.ts).
import type { AccountsChange } from './accounts';
import { coalesced, type Disposable } from './events';
import type { Outlet } from './outlet';
import type { InUseChange } from './rotation/rotation';

export interface Routes {
  /** Follow the accounts in use: terminals, view, auth sessions, keep-fresh, status bar, models. */
  readonly outlets: readonly Outlet[];
  /**
   * pi's auth.json and models.json: after every change but the first load (the root runs the
   * first mirror pass itself, once it knows whether pi's file must be imported first) and but
   * usage figures, which pi does not read.
   */
  readonly piFiles: { sync(soft: boolean): void };
  /** Where usage figures show: the view and the status bar. */
  readonly usageShown: readonly Outlet[];
  /** Read usage now: accounts were added or read. */
  refreshUsage(): void;
  /** The account in use changed (the status bar tells "(rotated)"). */
  inUseChanged(change: InUseChange): void;
  /** Every account of a provider reached its limit (told once per episode by rotation). */
  allExhausted(change: InUseChange): void;
}

/** Routes every change of `accounts` as `Routes` says; dispose to stop. */
export function route(accounts: { onDidChange(l: (c: AccountsChange) => void): Disposable }, r: Routes): Disposable {
  const follow = coalesced(() => r.outlets.forEach((o) => o.sync()));
  // Sticky sessions: a pi session may keep its account after rotation's own switches ("soft"),
  // never after one the person made (a default chosen, a switch by hand): one of those among the
  // changes coalesced makes the whole reload hard.
  let soft = true;
  const write = coalesced(() => {
    const s = soft;
    soft = true;
    r.piFiles.sync(s);
  });
  const piFiles = (hard: boolean) => {
    if (hard) soft = false;
    write();
  };
  const usage = coalesced(() => r.usageShown.forEach((o) => o.sync()));
  return accounts.onDidChange((c) => {
    switch (c.kind) {
      case 'accounts':
        follow();
        if (c.reason !== 'load') piFiles(c.reason === 'default');
        if (c.reason === 'add' || c.reason === 'load') r.refreshUsage();
        return;
      case 'in-use':
        r.inUseChanged(c.change);
        follow();
        piFiles(c.change.byHand === true);
        if (c.change.allExhausted) r.allExhausted(c.change);
        return;
      case 'usage':
        usage();
        return;
    }
  });
}
