// What pi's `/accounts` asks the window (companion/accounts-command.ts): the provider's accounts
// with the one in use, usage, health and rest, and a switch by hand. A switch made here is the
// same as the palette's "Use This Account": Rotation decides, and the outlets (auth.json,
// terminals, the view, the status bar) follow it as they follow every other switch.
import { describe } from '../faults';
import { findProvider } from '../providers/directory';
import type { UsageEntry } from '../usage-service/scheduler';
import type { Rotation } from '../rotation/rotation';
import type { Vault } from '../vault';
import { inViewOrder } from '../words';
import type { AccountRow } from './protocol';

export interface AccountsDeskDeps {
  readonly vault: Pick<Vault, 'accounts'>;
  readonly rotation: Pick<Rotation, 'inUse' | 'holdOf' | 'healthOf' | 'use'>;
  readonly quota: (provider: string, account: string) => UsageEntry | undefined;
}

export interface Listing {
  readonly label: string;
  readonly accounts: AccountRow[];
}

export class AccountsDesk {
  constructor(private readonly deps: AccountsDeskDeps) {}

  /** The provider's accounts in the view's order; none when it has none. */
  list(provider: string): Listing {
    const inUse = this.deps.rotation.inUse(provider)?.name;
    const accounts = inViewOrder(this.deps.vault.accounts(provider)).map((a): AccountRow => {
      const windows = this.deps.quota(provider, a.name)?.snapshot?.windows ?? [];
      const hold = this.deps.rotation.holdOf(provider, a.name);
      const health = this.deps.rotation.healthOf(provider, a.name);
      return {
        name: a.name,
        inUse: a.name === inUse,
        usage: [...windows]
          .sort((x, y) => y.usedPercent - x.usedPercent)
          .slice(0, 8)
          .map((w) => ({ label: w.label.slice(0, 40), usedPercent: w.usedPercent })),
        health: health ? Math.round(health.score * 100) : undefined,
        hold: hold ? (hold.action ? `${hold.reason}. ${hold.action}` : hold.reason).slice(0, 300) : undefined,
        until: hold?.until,
        disabled: hold?.cause !== undefined ? true : undefined,
      };
    });
    return { label: findProvider(provider)?.label ?? provider, accounts };
  }

  /** Makes `account` the one in use; the answer is in words for pi's notification. */
  async use(provider: string, account: string): Promise<{ ok: boolean; message: string }> {
    const label = findProvider(provider)?.label ?? provider;
    if (!this.deps.vault.accounts(provider).some((a) => a.name === account))
      return {
        ok: false,
        message: `Pi Accounts has no ${label} account named "${account}". Type /accounts to see the ones it has.`,
      };
    if (this.deps.rotation.inUse(provider)?.name === account)
      return { ok: true, message: `${label}: "${account}" is already in use.` };
    try {
      await this.deps.rotation.use(provider, account);
    } catch (e) {
      return { ok: false, message: `Could not switch ${label} to "${account}": ${describe(e)}` };
    }
    return { ok: true, message: `${label}: now using "${account}" (pi's next request carries it).` };
  }
}
