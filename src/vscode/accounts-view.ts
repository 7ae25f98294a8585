import * as vscode from 'vscode';
import { exportVarOf, requireProvider } from '../core/providers/directory';
import type { AccountInfo, Vault } from '../core/vault';

// Tree nodes double as command arguments for the view's menus, so they carry provider/account.
export class ProviderNode {
  constructor(readonly provider: string) {}
}
export class AccountNode {
  constructor(
    readonly provider: string,
    readonly account: string,
  ) {}
}
export type Node = ProviderNode | AccountNode;

// "browser" covers device sign-ins too: both are a subscription signed in through GitHub's or the
// provider's own page rather than a pasted key.
const kindLabel = { api_key: 'api key', oauth: 'browser' } as const;

export class AccountsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly vault: Vault,
    private readonly ready: Promise<unknown>,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    await this.ready; // the view shows its progress bar meanwhile, not a misleading "Sign in"
    if (!node) {
      return this.vault
        .providers()
        .sort((a, b) => requireProvider(a).label.localeCompare(requireProvider(b).label))
        .map((p) => new ProviderNode(p));
    }
    if (node instanceof ProviderNode) {
      return this.vault
        .accounts(node.provider)
        .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name))
        .map((a) => new AccountNode(a.provider, a.name));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const provider = requireProvider(node.provider);
    if (node instanceof ProviderNode) {
      const n = this.vault.accounts(node.provider).length;
      const item = new vscode.TreeItem(provider.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `provider:${provider.id}`;
      item.description = `${n} account${n === 1 ? '' : 's'}`;
      item.contextValue = 'piAccounts.provider';
      item.iconPath = new vscode.ThemeIcon('organization');
      item.tooltip = `${provider.label} (${provider.id})`;
      return item;
    }
    const a = this.vault.accounts(node.provider).find((x) => x.name === node.account);
    const item = new vscode.TreeItem(node.account, vscode.TreeItemCollapsibleState.None);
    item.id = `account:${node.provider}/${node.account}`;
    if (!a) return item;
    item.description = [a.needsSignIn ? 'needs sign-in' : undefined, a.isDefault ? 'default' : undefined, kindLabel[a.kind]].filter(Boolean).join(' · ');
    item.contextValue = `piAccounts.account${a.isDefault ? '.default' : ''}${a.needsSignIn ? '.needsSignIn' : ''}`;
    item.iconPath = a.needsSignIn ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon(a.isDefault ? 'star-full' : a.kind === 'oauth' ? 'globe' : 'key');
    item.tooltip = tooltip(a);
    item.accessibilityInformation = { label: `${provider.label} account ${a.name}, ${item.description}` };
    return item;
  }
}

function tooltip(a: AccountInfo): vscode.MarkdownString {
  const p = requireProvider(a.provider);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${a.name}** · ${p.label}\n\n`);
  md.appendMarkdown(`- Kind: ${kindLabel[a.kind]}\n`);
  md.appendMarkdown(a.kind === 'oauth' ? `- Token: \`${a.keyTail}\`\n` : `- Key: \`${a.keyTail}\`\n`);
  if (a.expires !== undefined) md.appendMarkdown(`- ${a.expires > Date.now() ? 'Expires' : 'Expired'}: ${new Date(a.expires).toLocaleString()} (refreshed automatically before use)\n`);
  if (a.needsSignIn) md.appendMarkdown(`- **Needs sign-in**: the provider refused the saved sign-in. Use "Sign In Again"; the account is kept until then.\n`);
  md.appendMarkdown(`- Added: ${new Date(a.createdAt).toLocaleString()}\n`);
  const variable = exportVarOf(p, a.kind);
  if (a.isDefault) md.appendMarkdown(`- Default: exported as \`${variable ?? '—'}\` and written to pi's auth.json\n`);
  return md;
}
