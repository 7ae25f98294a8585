import * as vscode from 'vscode';
import { compactUsage, isExhausted } from '../core/usage-service/format';
import type { UsageEntry } from '../core/usage-service/scheduler';
import { usedPercent } from '../core/rotation/policy';
import { requireProvider } from '../core/providers/directory';
import type { InUseChange, Rotation } from '../core/rotation/rotation';
import type { Vault } from '../core/vault';
import type { Outlet } from '../core/outlet';
import { inViewOrder } from '../core/words';

export interface StatusDeps {
  readonly vault: Vault;
  readonly rotation: Rotation;
  readonly usage: (provider: string, account: string) => UsageEntry | undefined;
  readonly threshold: () => number;
}

// Rotation reasons that are a person's choice, not an automatic switch.
const BY_HAND = new Set(['chosen by hand', 'chosen in another window']);

/**
 * Shown whenever there are accounts: the account in use of the provider the person cares about
 * most (setting `piAccounts.statusBar.provider`, else the first with usage figures, else the
 * first signed in), its place among the provider's accounts, "(rotated)" after an automatic
 * switch (as pi-anthropic-oauth shows "🔑 2/3 (rotated)"), and its usage; warning colour near
 * the threshold, error colour when exhausted. Click: the Accounts view.
 */
export class StatusBar implements Outlet, vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('piAccounts.active', vscode.StatusBarAlignment.Right, 100);
  private readonly rotated = new Set<string>();

  constructor(private readonly deps: StatusDeps) {
    this.item.name = 'Pi Accounts: account in use';
    this.item.command = 'piAccounts.accounts.focus';
  }

  /** Remembers whether the provider's last switch was automatic. */
  noteChange(change: InUseChange): void {
    if (BY_HAND.has(change.reason)) this.rotated.delete(change.provider);
    else if (change.from !== change.to) this.rotated.add(change.provider);
  }

  sync(): void {
    const provider = this.provider();
    const account = provider && this.deps.rotation.inUse(provider);
    if (!provider || !account) return this.item.hide();
    const names = inViewOrder(this.deps.vault.accounts(provider)).map((a) => a.name); // the view's order
    const place =
      names.length > 1
        ? ` ${names.indexOf(account.name) + 1}/${names.length}${this.rotated.has(provider) ? ' (rotated)' : ''}`
        : '';
    const usage = this.deps.usage(provider, account.name)?.snapshot;
    const used = usedPercent(usage);
    // The provider's name as the view shows it: "2/3" counts all its accounts, keys and sign-ins alike.
    const label = requireProvider(provider).label;
    this.item.text = `$(key) ${label}: ${account.name}${place}${used !== undefined ? ` · ${100 - used}% left` : ''}`;
    this.item.tooltip = `${label} / ${account.name} is in use${place ? ` (account${place} of this provider)` : ''}${compactUsage(usage) ? ` — used: ${compactUsage(usage)}` : ''}\nClick to open the Accounts view.`;
    this.item.backgroundColor = isExhausted(usage)
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : used !== undefined && used >= this.deps.threshold() * 0.9
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    this.item.accessibilityInformation = {
      label: `${label} account ${account.name} in use${place ? `, ${names.indexOf(account.name) + 1} of ${names.length}` : ''}${used !== undefined ? `, ${100 - used} percent left` : ''}`,
    };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }

  private provider(): string | undefined {
    const chosen = vscode.workspace.getConfiguration('piAccounts').get<string>('statusBar.provider', '');
    const providers = this.deps.vault.providers();
    if (chosen) return providers.includes(chosen) ? chosen : undefined;
    return (
      providers.find((p) => this.deps.vault.accounts(p).some((a) => this.deps.usage(p, a.name)?.snapshot)) ??
      providers[0]
    );
  }
}
