import * as vscode from 'vscode';
import { compactUsage, isExhausted } from '../core/quota/format';
import type { QuotaEntry } from '../core/quota/scheduler';
import { usedPercent } from '../core/rotation/policy';
import { requireProvider } from '../core/providers/directory';
import type { Rotation } from '../core/rotation/rotation';
import type { Vault } from '../core/vault';

export interface StatusDeps {
  readonly vault: Vault;
  readonly rotation: Rotation;
  readonly quota: (provider: string, account: string) => QuotaEntry | undefined;
  readonly threshold: () => number;
}

/**
 * The active account of the provider the person cares about most (setting
 * `piAccounts.statusBar.provider`, else the first with usage figures), with its remaining quota;
 * warning colour near the threshold, error colour when exhausted. Click: switch account.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('piAccounts.active', vscode.StatusBarAlignment.Right, 100);

  constructor(private readonly d: StatusDeps) {
    this.item.name = 'Pi Accounts: active account';
    this.item.command = 'piAccounts.useAccount';
  }

  update(): void {
    const provider = this.provider();
    const account = provider && this.d.rotation.active(provider);
    if (!provider || !account) return this.item.hide();
    const usage = this.d.quota(provider, account.name)?.snapshot;
    const used = usedPercent(usage);
    const label = requireProvider(provider).signInLabels?.browser ?? requireProvider(provider).label;
    this.item.text = `$(account) ${account.name}${used !== undefined ? ` · ${100 - used}% left` : ''}`;
    this.item.tooltip = `${label} / ${account.name}${compactUsage(usage) ? ` — used: ${compactUsage(usage)}` : ''}\nClick to switch account.`;
    this.item.command = { title: 'Switch account', command: 'piAccounts.useAccount', arguments: [{ provider }] };
    this.item.backgroundColor = isExhausted(usage)
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : used !== undefined && used >= this.d.threshold() * 0.9
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    this.item.accessibilityInformation = { label: `${label} account ${account.name}${used !== undefined ? `, ${100 - used} percent left` : ''}` };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }

  private provider(): string | undefined {
    const chosen = vscode.workspace.getConfiguration('piAccounts').get<string>('statusBar.provider', '');
    const providers = this.d.vault.providers();
    if (chosen) return providers.includes(chosen) ? chosen : undefined;
    return providers.find((p) => this.d.vault.accounts(p).some((a) => this.d.quota(p, a.name)?.snapshot)) ?? undefined;
  }
}
