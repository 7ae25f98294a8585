import * as vscode from 'vscode';
import { piCommand, refLabel } from '../core/secret-ref';
import { timeOf as time } from '../core/words';
import { compactUsage, isExhausted, isStale, usageBar } from '../core/usage-service/format';
import { describeBalance, isLowBalance, money } from '../core/usage/balance';
import type { UsageSnapshot } from '../core/usage/usage-client';
import type { UsageEntry } from '../core/usage-service/scheduler';
import { requireProvider } from '../core/providers/directory';
import { sharedVariables, type ExportedVar } from '../core/terminal-env';
import type { AccountHold, Rotation } from '../core/rotation/rotation';
import { describeHealth, type Health } from '../core/rotation/health';
import type { AccountInfo, Vault } from '../core/vault';
import type { Outlet } from '../core/outlet';
import { canCheckKey } from '../core/key-check';
import { inViewOrder } from '../core/words';
import type { SyncedAccount } from '../core/account-sync';
import type { MachineWords } from '../core/mirror/machine';

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
/** An account synced from another machine that this machine has no key or sign-in for yet. */
export class SyncedNode {
  constructor(
    readonly provider: string,
    readonly account: string,
  ) {}
}
export type Node = ProviderNode | AccountNode | SyncedNode;

/** How the account signed in, in the words the sign-in used (a device code is not a browser). */
export function kindLabel(a: Pick<AccountInfo, 'provider' | 'kind'>): string {
  if (a.kind === 'api_key') return 'api key';
  if (a.kind === 'env') return 'settings';
  if (a.kind === 'ref') return 'password manager';
  return requireProvider(a.provider).signIn.includes('device') ? 'device' : 'browser';
}

const KIND_ICON = {
  'api key': 'key',
  browser: 'globe',
  device: 'device-mobile',
  settings: 'settings-gear',
  'password manager': 'lock',
} as Record<string, string>;

/** Why terminals or pi get nothing, if they do: Restricted Mode or a setting turned off. */
export function exportBlock(): { terminals?: string; pi?: string } {
  const config = vscode.workspace.getConfiguration('piAccounts');
  return {
    terminals: !vscode.workspace.isTrusted
      ? 'Restricted Mode: new terminals get no keys until you trust this folder'
      : !config.get<boolean>('terminal.exportKeys', true)
        ? 'terminals get no keys (piAccounts.terminal.exportKeys is off)'
        : undefined,
    pi: !config.get<boolean>('mirror.enabled', true)
      ? "pi's auth.json is not written (piAccounts.mirror.enabled is off)"
      : undefined,
  };
}

export interface ViewDeps {
  readonly vault: Vault;
  readonly ready: Promise<unknown>;
  readonly rotation: Rotation;
  readonly usage: (provider: string, account: string) => UsageEntry | undefined;
  readonly mode: (provider: string) => string;
  /** Tokens the model bridge used today with the account. */
  readonly tokens?: (
    provider: string,
    account: string,
  ) => { input: number; output: number; requests: number; cached?: number } | undefined;
  /** Something that went wrong for the account besides its sign-in (Copilot models not enabled). */
  readonly problem?: (provider: string, account: string) => string | undefined;
  /** What new terminals get now. */
  readonly exported?: () => readonly ExportedVar[];
  /** pi's connection through the companion (Connect pi), for the view's message line. */
  readonly piStatus?: () => string | undefined;
  /** How the active account's base URL and headers reach pi (its models.json), if it has any. */
  readonly piRequestSettings?: (provider: string) => string | undefined;
  /** Accounts synced from another machine that this one lacks (Settings Sync, opt-in). */
  readonly synced?: () => readonly SyncedAccount[];
  /** Which machine's auth.json this window writes (a remote window names it). */
  readonly machine?: () => MachineWords;
}

export const VIEW_ID = 'piAccounts.accounts';

export class AccountsView implements Outlet, vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private tree?: vscode.TreeView<Node>;
  private chosen?: Node;

  constructor(private readonly deps: ViewDeps) {}

  /** Creates the view; its message says when terminals get nothing (Restricted Mode). */
  register(): vscode.Disposable {
    this.tree = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this });
    // Also kept from the event: a refresh empties the extension host's copy of the tree until the
    // view asks for its rows again, and `selection` is empty meanwhile (ExtHostTreeView, VS Code
    // 1.139), so Enter right after a refresh (a sign-in, a usage poll) would do nothing.
    const chosen = this.tree.onDidChangeSelection((e) => (this.chosen = e.selection[0]));
    // No sync() here: the tree asks for its rows once shown, and the rest of sync() (the message
    // line, the context keys) waits for the accounts, whose loading syncs every outlet.
    return vscode.Disposable.from(this.tree, chosen);
  }

  /** The row the person is on (keybindings act on it). */
  selected(): Node | undefined {
    return this.tree?.selection[0] ?? this.chosen;
  }

  sync(): void {
    this.changed.fire(undefined);
    const accounts = this.deps.vault.accounts();
    const machine = this.deps.machine?.();
    if (this.tree) {
      // A remote window says whose auth.json it writes: the remote host's, not this computer's.
      // In the message only once there are accounts: a message hides the view's welcome content
      // (its Sign In button), and with no account nothing is written yet.
      this.tree.description = machine?.description;
      this.tree.message =
        [
          accounts.length ? exportBlock().terminals : undefined,
          this.deps.piStatus?.(),
          accounts.length && machine?.description ? machine.line : undefined,
        ]
          .filter(Boolean)
          .join(' · ') || undefined;
    }
    // For `when` clauses: the palette hides commands that could not act.
    void vscode.commands.executeCommand('setContext', 'piAccounts.hasAccounts', accounts.length > 0);
    void vscode.commands.executeCommand(
      'setContext',
      'piAccounts.canSwitch',
      this.deps.vault.providers().some((p) => this.deps.vault.accounts(p).length > 1),
    );
  }

  async getChildren(node?: Node): Promise<Node[]> {
    await this.deps.ready; // the view shows its progress bar meanwhile, not a misleading "Sign in"
    const synced = this.deps.synced?.() ?? [];
    if (!node) {
      const here = inViewOrder(this.deps.vault.accounts()).map((a) => a.provider);
      return [...new Set([...here, ...synced.map((a) => a.provider)])].map((p) => new ProviderNode(p));
    }
    if (node instanceof ProviderNode) {
      // A stable order (by name): rows do not jump when another account comes into use.
      return [
        ...inViewOrder(this.deps.vault.accounts(node.provider)).map((a) => new AccountNode(a.provider, a.name)),
        ...synced
          .filter((a) => a.provider === node.provider)
          .sort((x, y) => x.name.localeCompare(y.name))
          .map((a) => new SyncedNode(a.provider, a.name)),
      ];
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const provider = requireProvider(node.provider);
    if (node instanceof ProviderNode) {
      const n = this.deps.vault.accounts(node.provider).length;
      const elsewhere = (this.deps.synced?.() ?? []).filter((a) => a.provider === node.provider).length;
      const mode = this.deps.mode(node.provider);
      const item = new vscode.TreeItem(provider.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `provider:${provider.id}`;
      item.description = [
        n || !elsewhere ? `${n} account${n === 1 ? '' : 's'}${mode !== 'manual' && n > 1 ? ` · ${mode}` : ''}` : '',
        elsewhere ? `${elsewhere} to sign in here` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      // ".multi": Switch to the Next Account only where there is a next one.
      item.contextValue = n > 1 ? 'piAccounts.provider.multi' : 'piAccounts.provider';
      item.iconPath = new vscode.ThemeIcon(
        provider.id === 'github-copilot' ? 'github' : provider.signIn.some((k) => k !== 'apiKey') ? 'account' : 'key',
      );
      item.tooltip = `${provider.label} (${provider.id})${mode !== 'manual' ? `, rotation: ${mode}` : ''}`;
      return item;
    }
    if (node instanceof SyncedNode) return syncedItem(node, this.deps.synced?.() ?? []);
    const a = this.deps.vault.accounts(node.provider).find((x) => x.name === node.account);
    const item = new vscode.TreeItem(node.account, vscode.TreeItemCollapsibleState.None);
    item.id = `account:${node.provider}/${node.account}`;
    if (!a) return item;
    const now = Date.now();
    const q = this.deps.usage(a.provider, a.name);
    const hold = this.deps.rotation.holdOf(a.provider, a.name);
    const cooling = hold?.until;
    const disabled = hold?.cause !== undefined;
    const health = this.deps.rotation.healthOf(a.provider, a.name);
    const inUse = this.deps.rotation.inUse(a.provider)?.name === a.name;
    const usageFailed = q?.problem !== undefined && !a.needsSignIn;
    // The row is short enough for the default sidebar width (about 300 px beside the name): the
    // state, "in use", and one figure (the fullest window, or what a key has left); every window,
    // the kind and the rest are in the tooltip.
    const state = a.needsSignIn
      ? 'needs sign-in'
      : disabled
        ? 'disabled'
        : isExhausted(q?.snapshot)
          ? 'exhausted'
          : cooling
            ? `resting until ${new Date(cooling).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`
            : undefined;
    const usage = shortUsage(q?.snapshot);
    item.description = [
      state,
      inUse ? 'in use' : undefined,
      usage ?? (usageFailed ? 'usage unavailable' : state ? undefined : kindLabel(a)),
    ]
      .filter(Boolean)
      .join(' · ');
    item.contextValue = `piAccounts.account${inUse ? '.inUse' : '.other'}${a.needsSignIn ? '.needsSignIn' : ''}${q || a.kind === 'oauth' ? '.quota' : ''}${a.kind === 'api_key' && canCheckKey(a.provider) ? '.checkable' : ''}`;
    item.iconPath = icon(a, {
      exhausted: isExhausted(q?.snapshot),
      disabled,
      poorHealth: poorHealth(health),
      cooling: cooling !== undefined,
      stale: isStale(q, now),
      usageFailed,
      inUse,
    });
    const mine = (this.deps.exported?.() ?? [])
      .filter((v) => v.provider === a.provider && v.account === a.name)
      .map((v) => v.variable);
    item.tooltip = tooltip(a, q, hold, inUse, mine, this.deps.tokens?.(a.provider, a.name));
    if (health)
      item.tooltip.appendMarkdown(
        `- ${poorHealth(health) ? '$(pulse) **' : '$(pulse) '}${describeHealth(health)}${poorHealth(health) ? '**' : ''}\n`,
      );
    const problem = this.deps.problem?.(a.provider, a.name);
    if (problem) item.tooltip.appendMarkdown(`- **Problem**: ${problem}\n`);
    if (inUse)
      inUseLines(
        item.tooltip,
        a,
        this.deps.exported?.() ?? [],
        a.baseUrl || a.headerNames.length ? this.deps.piRequestSettings?.(a.provider) : undefined,
      );

    const full = compactUsage(q?.snapshot);
    const more = [full && full !== usage ? full : undefined, usageFailed && usage ? 'usage unavailable' : undefined];
    const words = [item.description, ...more, kindLabel(a)].filter(Boolean).join(', ');
    item.accessibilityInformation = { label: `${provider.label} account ${a.name}, ${words}` };
    return item;
  }
}

/** A synced account this machine lacks: one click signs in here; never a broken row. */
function syncedItem(node: SyncedNode, synced: readonly SyncedAccount[]): vscode.TreeItem {
  const provider = requireProvider(node.provider);
  const a = synced.find((x) => x.provider === node.provider && x.name === node.account);
  const item = new vscode.TreeItem(node.account, vscode.TreeItemCollapsibleState.None);
  item.id = `synced:${node.provider}/${node.account}`;
  item.description = 'sign in on this machine';
  item.contextValue = 'piAccounts.synced';
  item.iconPath = new vscode.ThemeIcon('cloud-download');
  item.command = { command: 'piAccounts.signInHere', title: 'Sign In on This Machine', arguments: [node] };
  const kind = a ? kindLabel({ provider: node.provider, kind: a.kind }) : 'account';
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${node.account}** · ${provider.label}\n\n`);
  md.appendMarkdown(
    `- Synced from another machine (Settings Sync): the account's name and settings, never its ${a?.kind === 'oauth' ? 'tokens' : 'key'}\n`,
  );
  md.appendMarkdown(`- Kind there: ${kind}${a?.baseUrl ? `; base URL ${a.baseUrl}` : ''}\n`);
  md.appendMarkdown(
    a?.kind === 'oauth'
      ? '- Click to sign in on this machine: each machine keeps its own sign-in, so the two never refresh over each other\n'
      : '- Click to sign in on this machine with the key\n',
  );
  md.appendMarkdown('- "Forget" removes it from the synced list (the machine that has it keeps it)\n');
  item.tooltip = md;
  item.accessibilityInformation = { label: `${provider.label} account ${node.account}, sign in on this machine` };
  return item;
}

/** One figure for the row: the fullest window ("5h 85%"), or what an API key has left ("$4.90 left"). */
function shortUsage(s: UsageSnapshot | undefined): string | undefined {
  const fullest = [...(s?.windows ?? [])].sort((x, y) => y.usedPercent - x.usedPercent)[0];
  if (fullest) return `${fullest.label} ${fullest.usedPercent}%`;
  if (s?.balance) return s.balance.exhausted ? 'no balance' : `${money(s.balance.remaining, s.balance.currency)} left`;
  return undefined;
}

function icon(
  a: AccountInfo,
  s: {
    exhausted: boolean;
    disabled: boolean;
    poorHealth: boolean;
    cooling: boolean;
    stale: boolean;
    usageFailed: boolean;
    inUse: boolean;
  },
): vscode.ThemeIcon {
  const colored = (id: string, color: string) => new vscode.ThemeIcon(id, new vscode.ThemeColor(color));
  if (a.needsSignIn) return colored('warning', 'problemsWarningIcon.foreground');
  if (s.disabled) return colored('circle-slash', 'problemsErrorIcon.foreground');
  if (s.exhausted) return colored('error', 'problemsErrorIcon.foreground');
  if (s.cooling) return colored('watch', 'charts.yellow');
  if (s.usageFailed) return colored('warning', 'problemsWarningIcon.foreground');
  if (s.poorHealth) return colored('pulse', 'charts.orange');
  if (s.stale) return new vscode.ThemeIcon('history');
  const kind = KIND_ICON[kindLabel(a)];
  return s.inUse ? colored(kind, 'charts.green') : new vscode.ThemeIcon(kind);
}

/** Below half, from enough answers to mean something: the view marks it. */
const poorHealth = (h: Health | undefined) => h !== undefined && h.answers >= 5 && h.score < 0.5;

function tooltip(
  a: AccountInfo,
  q: UsageEntry | undefined,
  hold: AccountHold | undefined,
  inUse: boolean,
  exported: readonly string[],
  tokens?: { input: number; output: number; requests: number; cached?: number },
): vscode.MarkdownString {
  const p = requireProvider(a.provider);
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = {
    enabledCommands: ['workbench.trust.manage', 'piAccounts.refreshQuota', 'workbench.action.openSettings'],
  };
  md.appendMarkdown(`**${a.name}** · ${p.label}${q?.snapshot?.plan ? ` · ${q.snapshot.plan}` : ''}\n\n`);
  if (q?.snapshot?.windows.length) {
    const rows = q.snapshot.windows.map(
      (w) =>
        `${w.label.padEnd(11)} ${usageBar(w.usedPercent)} ${String(w.usedPercent).padStart(3)} %${w.resetsAt ? `  resets ${time(w.resetsAt)}` : ''}`,
    );
    md.appendCodeblock(rows.join('\n'), 'text');
    md.appendMarkdown(
      `Fetched ${time(q.snapshot.fetchedAt)}${isStale(q, Date.now()) ? ' (stale: newer figures could not be read yet)' : ''}\n\n`,
    );
  }
  if (q?.problem)
    md.appendMarkdown(
      `- **Usage could not be read**: ${q.problem.message} (${time(q.problem.at)}). [Refresh Usage](command:piAccounts.refreshQuota?${encodeURIComponent(JSON.stringify({ provider: a.provider, account: a.name }))})\n`,
    );
  const balance = q?.snapshot?.balance;
  if (balance)
    md.appendMarkdown(
      `- ${balance.exhausted ? '**Balance**' : 'Balance'}: ${describeBalance(balance)}${isLowBalance(balance) ? ' — **low**: usage-based rotation prefers other accounts' : ''} (${time(q.snapshot.fetchedAt)})\n`,
    );
  else if (a.kind === 'api_key' || a.kind === 'ref')
    md.appendMarkdown(
      p.balance && !a.baseUrl
        ? `- Balance: not read yet. [Refresh Usage](command:piAccounts.refreshQuota?${encodeURIComponent(JSON.stringify({ provider: a.provider, account: a.name }))})\n`
        : `- Usage: none shown. ${p.label} reports no usage or balance for an API key${a.baseUrl ? ' with a base URL of its own' : ''}; see its dashboard for the key's spend.\n`,
    );
  if (hold?.until)
    md.appendMarkdown(`- Resting until ${time(hold.until)} (${hold.reason}); another account is used meanwhile\n`);
  if (hold?.cause) md.appendMarkdown(`- **Disabled until you act**: ${hold.reason}. ${hold.action ?? ''}\n`);
  md.appendMarkdown(`- Kind: ${kindLabel(a)}\n`);
  if (a.ref)
    // What pi will run is shown as is: a reference is no secret, and the person should see the command.
    md.appendMarkdown(
      `- Key: kept in ${refLabel(a.ref)}; read when needed, never stored by Pi Accounts\n- pi runs: \`${piCommand(a.ref).replace(/`/g, "'")}\` (its \`!command\` key in auth.json)\n`,
    );
  else if (a.kind !== 'env')
    md.appendMarkdown(a.kind === 'oauth' ? `- Token: \`${a.keyTail}\`\n` : `- Key: \`${a.keyTail}\`\n`);
  if (a.baseUrl) md.appendMarkdown(`- Base URL: ${a.baseUrl}\n`);
  if (a.headerNames.length) md.appendMarkdown(`- Headers: ${a.headerNames.map((h) => `\`${h}: ••••\``).join(', ')}\n`);
  if (a.expires !== undefined)
    md.appendMarkdown(
      `- ${a.expires > Date.now() ? 'Expires' : 'Expired'}: ${time(a.expires)} (refreshed automatically before use)\n`,
    );
  if (a.needsSignIn)
    md.appendMarkdown(
      `- **Needs sign-in**: the provider refused the saved sign-in. Use "Sign In Again"; the account is kept until then.\n`,
    );
  if (tokens)
    md.appendMarkdown(
      `- Today as a VS Code model: ${tokens.input.toLocaleString()} tokens in${tokens.cached ? ` (${tokens.cached.toLocaleString()} from cache)` : ''}, ${tokens.output.toLocaleString()} out (${tokens.requests} request${tokens.requests === 1 ? '' : 's'})\n`,
    );
  md.appendMarkdown(`- Added: ${time(a.createdAt)}\n`);
  if (!inUse) return md;
  const blocked = exportBlock();
  const settings = `[Settings](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(['piAccounts']))})`;
  md.appendMarkdown(
    `- In use: ${blocked.terminals ? `**not exported**: ${blocked.terminals} (${vscode.workspace.isTrusted ? settings : '[Manage Workspace Trust](command:workbench.trust.manage)'})` : a.kind === 'env' ? 'its values are exported to new terminals' : exported.length ? `exported to new terminals as ${exported.map((v) => `\`${v}\``).join(', ')}` : 'no variable of its own in terminals'}; ${blocked.pi ?? "written to pi's auth.json"}\n`,
  );
  return md;
}

/** Which shared variable goes to another provider's account, and how pi gets this account's request settings. */
function inUseLines(
  md: vscode.MarkdownString,
  a: AccountInfo,
  exported: readonly ExportedVar[],
  overrides: string | undefined,
): void {
  for (const [variable, ids] of Object.entries(sharedVariables())) {
    const owner = ids.includes(a.provider) ? exported.find((v) => v.variable === variable) : undefined;
    if (owner && owner.provider !== a.provider) {
      md.appendMarkdown(
        `- Terminals get \`${variable}\` from ${requireProvider(owner.provider).label} / ${owner.account}, not this account (choose with the setting \`piAccounts.terminal.sharedVariables\`)\n`,
      );
    }
  }
  if (overrides) md.appendMarkdown(`- ${overrides}\n`);
}
