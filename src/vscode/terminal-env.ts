import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { findProvider } from '../core/providers/directory';
import { describe } from '../core/faults';
import type { SecretCache } from '../core/secret-cache';
import { refLabel } from '../core/secret-ref';
import {
  refsInUse,
  sharedVariables,
  terminalVariables,
  type ExportedVar,
  type SharedChoice,
} from '../core/terminal-env';
import type { InUseAccounts } from '../core/rotation/rotation';
import type { Vault } from '../core/vault';
import type { Outlet } from '../core/outlet';

type Collection = vscode.ExtensionContext['environmentVariableCollection'];

/** Puts each provider's active key into new integrated terminals. */
export class TerminalEnv implements Outlet {
  private vars: ExportedVar[] = [];
  // A reference that could not be read is not asked again for a minute: each ask may be a prompt.
  private readonly failedAt = new Map<string, number>();
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly collection: Collection,
    private readonly vault: Vault,
    private readonly log: Logger,
    private readonly inUse: InUseAccounts,
    private readonly refs: SecretCache,
  ) {
    // A key read from a password manager (here or for a model request) reaches new terminals.
    this.subscription = refs.onDidResolve(() => this.sync());
  }

  /**
   * Keys kept in a password manager are read when their account is in use and terminals export
   * keys, held in memory for the cache's lifetime; a terminal created meanwhile gets the key.
   */
  private readRefs(): void {
    for (const ref of refsInUse(this.vault, this.inUse)) {
      const id = JSON.stringify(ref);
      if (this.refs.peek(ref) !== undefined || Date.now() - (this.failedAt.get(id) ?? 0) < 60_000) continue;
      this.refs.resolve(ref).catch((e: unknown) => {
        this.failedAt.set(id, Date.now());
        this.log.warn(`Terminals get no key from ${refLabel(ref)} for now: ${describe(e)}`);
      });
    }
  }

  sync(): void {
    // Must come before the first replace(): a persistent collection is written to workspace
    // storage in plain text, and a cached persistent copy would be restored next start. Here
    // rather than in the constructor: each set is a message to the workbench, and the
    // constructor runs in activate().
    if (this.collection.persistent) this.collection.persistent = false;
    const enabled = vscode.workspace.getConfiguration('piAccounts').get<boolean>('terminal.exportKeys', true);
    const exporting = enabled && vscode.workspace.isTrusted;
    if (exporting) this.readRefs();
    const vars = exporting
      ? terminalVariables(this.vault, this.inUse, sharedChoice(), (ref) => this.refs.peek(ref), process.env)
      : [];
    this.vars = vars;
    const wanted = new Map(vars.map((v) => [v.variable, v.value]));
    // Touch only what changed, so open terminals are not flagged "relaunch needed" for nothing.
    const stale: string[] = [];
    this.collection.forEach((variable) => {
      if (!wanted.has(variable)) stale.push(variable);
    });
    for (const variable of stale) this.collection.delete(variable);
    for (const [variable, value] of wanted) {
      if (this.collection.get(variable)?.value !== value) this.collection.replace(variable, value);
    }
    this.collection.description = vars.length
      ? `Pi Accounts: ${vars.map((v) => `${v.variable} ${v.value ? '' : 'cleared '}(${findProvider(v.provider)?.label ?? v.provider} / ${v.account})`).join(', ')}`
      : undefined;
    if (!vscode.workspace.isTrusted)
      this.log.info('Restricted Mode: no keys are exported to terminals until the workspace is trusted.');
    else
      this.log.info(
        `Terminal environment: ${vars.length ? vars.map((v) => v.variable).join(', ') : 'nothing exported'}.`,
      );
  }

  /** What new terminals get now (names and owners; the view shows them). */
  exported(): readonly ExportedVar[] {
    return this.vars;
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.clear();
  }
}

/** piAccounts.terminal.sharedVariables, keeping only a provider that reads the variable. */
function sharedChoice(): SharedChoice {
  const raw = vscode.workspace.getConfiguration('piAccounts').get<unknown>('terminal.sharedVariables', {});
  const shared = sharedVariables();
  return Object.fromEntries(
    Object.entries(raw && typeof raw === 'object' ? raw : {}).filter(
      ([v, id]) => typeof id === 'string' && shared[v]?.includes(id),
    ),
  );
}
