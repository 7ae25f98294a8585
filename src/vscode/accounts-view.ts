import * as vscode from 'vscode';
import { compactUsage, isExhausted, isStale, usageBar } from '../core/quota/format';
import type { QuotaEntry } from '../core/quota/scheduler';
import { requireProvider } from '../core/providers/directory';
import { sharedVariables, type ExportedVar } from '../core/terminal-env';
import type { Rotation } from '../core/rotation/rotation';
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
const kindLabel = { api_key: 'api key', oauth: 'browser', env: 'settings' } as const;

export interface ViewDeps {
  readonly vault: Vault;
  readonly ready: Promise<unknown>;
  readonly rotation: Rotation;
  readonly quota: (provider: string, account: string) => QuotaEntry | undefined;
  readonly mode: (provider: string) => string;
  /** Tokens the model bridge used today with the account. */
  readonly tokens?: (provider: string, account: string) => { input: number; output: number; requests: number; cached?: number } | undefined;
  /** Something that went wrong for the account besides its sign-in (Copilot models not enabled). */
  readonly problem?: (provider: string, account: string) => string | undefined;
  /** What new terminals get now. */
  readonly exported?: () => readonly ExportedVar[];
  /** How the active account's base URL and headers reach pi (its models.json), if it has any. */
  readonly piOverrides?: (provider: string) => string | undefined;
}

const time = (t: number) => new Date(t).toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit', month: 'short', day: 'numeric' });

export class AccountsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly d: ViewDeps) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    await this.d.ready; // the view shows its progress bar meanwhile, not a misleading "Sign in"
    if (!node) {
      return this.d.vault
        .providers()
        .sort((a, b) => requireProvider(a).label.localeCompare(requireProvider(b).label))
        .map((p) => new ProviderNode(p));
    }
    if (node instanceof ProviderNode) {
      const active = this.d.rotation.active(node.provider)?.name;
      return this.d.vault
        .accounts(node.provider)
        .sort((a, b) => Number(b.name === active) - Number(a.name === active) || Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name))
        .map((a) => new AccountNode(a.provider, a.name));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const provider = requireProvider(node.provider);
    if (node instanceof ProviderNode) {
      const n = this.d.vault.accounts(node.provider).length;
      const mode = this.d.mode(node.provider);
      const item = new vscode.TreeItem(provider.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `provider:${provider.id}`;
      item.description = `${n} account${n === 1 ? '' : 's'}${mode !== 'manual' && n > 1 ? ` · ${mode}` : ''}`;
      item.contextValue = 'piAccounts.provider';
      item.iconPath = new vscode.ThemeIcon('organization');
      item.tooltip = `${provider.label} (${provider.id})${mode !== 'manual' ? `, rotation: ${mode}` : ''}`;
      return item;
    }
    const a = this.d.vault.accounts(node.provider).find((x) => x.name === node.account);
    const item = new vscode.TreeItem(node.account, vscode.TreeItemCollapsibleState.None);
    item.id = `account:${node.provider}/${node.account}`;
    if (!a) return item;
    const now = Date.now();
    const q = this.d.quota(a.provider, a.name);
    const cooling = this.d.rotation.cooldownOf(a.provider, a.name);
    const active = this.d.mode(a.provider) !== 'manual' && this.d.rotation.active(a.provider)?.name === a.name;
    const state = a.needsSignIn ? 'needs sign-in' : isExhausted(q?.snapshot) ? 'exhausted' : cooling ? `resting until ${new Date(cooling).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}` : undefined;
    const usage = compactUsage(q?.snapshot);
    item.description = [state, active ? 'active' : undefined, a.isDefault ? 'default' : undefined, kindLabel[a.kind], usage && `${usage}${isStale(q, now) ? ' (stale)' : ''}`].filter(Boolean).join(' · ');
    item.contextValue = `piAccounts.account${a.isDefault ? '.default' : '.other'}${a.needsSignIn ? '.needsSignIn' : ''}${q || a.kind === 'oauth' ? '.quota' : ''}`;
    item.iconPath = icon(a, { exhausted: isExhausted(q?.snapshot), cooling: cooling !== undefined, stale: isStale(q, now), active });
    item.tooltip = tooltip(a, q, cooling, this.d.rotation.active(a.provider)?.name === a.name, this.d.tokens?.(a.provider, a.name));
    const problem = this.d.problem?.(a.provider, a.name);
    if (problem) item.tooltip.appendMarkdown(`- **Problem**: ${problem}\n`);
    if (this.d.rotation.active(a.provider)?.name === a.name) inUseLines(item.tooltip, a, this.d.exported?.() ?? [], a.baseUrl || a.headerNames.length ? this.d.piOverrides?.(a.provider) : undefined);
    item.accessibilityInformation = { label: `${provider.label} account ${a.name}, ${item.description}` };
    return item;
  }
}

function icon(a: AccountInfo, s: { exhausted: boolean; cooling: boolean; stale: boolean; active: boolean }): vscode.ThemeIcon {
  const colored = (id: string, color: string) => new vscode.ThemeIcon(id, new vscode.ThemeColor(color));
  if (a.needsSignIn) return colored('warning', 'problemsWarningIcon.foreground');
  if (s.exhausted) return colored('error', 'problemsErrorIcon.foreground');
  if (s.cooling) return colored('watch', 'charts.yellow');
  if (s.stale) return new vscode.ThemeIcon('history');
  if (s.active || a.isDefault) return new vscode.ThemeIcon('star-full');
  return new vscode.ThemeIcon(a.kind === 'oauth' ? 'globe' : 'key');
}

function tooltip(a: AccountInfo, q: QuotaEntry | undefined, cooling: number | undefined, exported: boolean, tokens?: { input: number; output: number; requests: number; cached?: number }): vscode.MarkdownString {
  const p = requireProvider(a.provider);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${a.name}** · ${p.label}${q?.snapshot?.plan ? ` · ${q.snapshot.plan}` : ''}\n\n`);
  if (q?.snapshot?.windows.length) {
    const rows = q.snapshot.windows.map((w) => `${w.label.padEnd(11)} ${usageBar(w.usedPercent)} ${String(w.usedPercent).padStart(3)} %${w.resetsAt ? `  resets ${time(w.resetsAt)}` : ''}`);
    md.appendCodeblock(rows.join('\n'), 'text');
    md.appendMarkdown(`Fetched ${time(q.snapshot.fetchedAt)}\n\n`);
  }
  if (q?.problem) md.appendMarkdown(`- Usage: ${q.problem.message} (${time(q.problem.at)})\n`);
  if (cooling) md.appendMarkdown(`- Resting until ${time(cooling)}; another account is used meanwhile\n`);
  md.appendMarkdown(`- Kind: ${kindLabel[a.kind]}\n`);
  if (a.kind !== 'env') md.appendMarkdown(a.kind === 'oauth' ? `- Token: \`${a.keyTail}\`\n` : `- Key: \`${a.keyTail}\`\n`);
  if (a.baseUrl) md.appendMarkdown(`- Base URL: ${a.baseUrl}\n`);
  if (a.headerNames.length) md.appendMarkdown(`- Headers: ${a.headerNames.map((h) => `\`${h}: ••••\``).join(', ')}\n`);
  if (a.expires !== undefined) md.appendMarkdown(`- ${a.expires > Date.now() ? 'Expires' : 'Expired'}: ${time(a.expires)} (refreshed automatically before use)\n`);
  if (a.needsSignIn) md.appendMarkdown(`- **Needs sign-in**: the provider refused the saved sign-in. Use "Sign In Again"; the account is kept until then.\n`);
  if (tokens) md.appendMarkdown(`- Today as a VS Code model: ${tokens.input.toLocaleString()} tokens in${tokens.cached ? ` (${tokens.cached.toLocaleString()} from cache)` : ''}, ${tokens.output.toLocaleString()} out (${tokens.requests} request${tokens.requests === 1 ? '' : 's'})\n`);
  md.appendMarkdown(`- Added: ${time(a.createdAt)}\n`);
  if (exported && a.kind === 'env') md.appendMarkdown(`- In use: its values are exported to new terminals\n`);
  return md;
}

/** Which variables the account in use gives terminals, which shared one goes to another provider, and how pi gets its overrides. */
function inUseLines(md: vscode.MarkdownString, a: AccountInfo, exported: readonly ExportedVar[], overrides: string | undefined): void {
  if (a.kind !== 'env') {
    const mine = exported.filter((v) => v.provider === a.provider && v.account === a.name).map((v) => `\`${v.variable}\``);
    md.appendMarkdown(`- In use: ${mine.length ? `exported as ${mine.join(', ')} and ` : ''}written to pi's auth.json\n`);
  }
  for (const [variable, ids] of Object.entries(sharedVariables())) {
    const owner = ids.includes(a.provider) ? exported.find((v) => v.variable === variable) : undefined;
    if (owner && owner.provider !== a.provider) {
      md.appendMarkdown(`- Terminals get \`${variable}\` from ${requireProvider(owner.provider).label} / ${owner.account}, not this account (choose with the setting \`piAccounts.terminal.sharedVariables\`)\n`);
    }
  }
  if (overrides) md.appendMarkdown(`- ${overrides}\n`);
}
