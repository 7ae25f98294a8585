// The account list for VS Code Settings Sync (src/core/account-sync.ts does the work): the opt-in
// setting, the globalState key Settings Sync is told about, and the commands of the
// "sign in on this machine" rows.
import * as vscode from 'vscode';
import { AccountSync, SYNC_KEY } from '../core/account-sync';
import { Fault } from '../core/faults';
import { findProvider } from '../core/providers/directory';
import type { Vault } from '../core/vault';
import type { Log } from './log';
import { showFault } from './faults-ui';

export const SYNC_SETTING = 'sync.accounts';
const enabled = () => vscode.workspace.getConfiguration('piAccounts').get<boolean>(SYNC_SETTING, false);

export interface AccountSyncUiDeps {
  readonly vault: Vault;
  readonly globalState: vscode.Memento & { setKeysForSync(keys: readonly string[]): void };
  readonly log: Log;
  /** Runs the usual sign-in with the provider and the name preset. */
  readonly signIn: (provider: string, account: string) => Promise<unknown>;
}

export class AccountSyncUi {
  readonly sync: AccountSync;
  private started = false;

  constructor(private readonly deps: AccountSyncUiDeps) {
    this.sync = new AccountSync({
      vault: deps.vault,
      state: { get: () => deps.globalState.get(SYNC_KEY), set: (v) => deps.globalState.update(SYNC_KEY, v) },
      enabled,
      knownProvider: (id) => findProvider(id) !== undefined,
      log: deps.log,
    });
  }

  /** Call once the accounts are loaded (a turn before that would see an empty vault). */
  start(): void {
    this.started = true;
    this.applySetting();
    this.run();
  }

  register(): { dispose(): unknown }[] {
    const c = (id: string, fn: (arg: unknown) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, (arg: unknown) => fn(arg).catch((e: unknown) => showFault(e, this.deps.log)));
    return [
      this.sync,
      c('piAccounts.signInHere', async (arg) => {
        const t = target(arg);
        await this.deps.signIn(t.provider, t.account);
        this.run();
      }),
      c('piAccounts.forgetSyncedAccount', async (arg) => {
        const t = target(arg);
        await this.sync.forget(t.provider, t.account);
        this.deps.log.info(`Forgotten from the synced account list: ${t.provider}/${t.account}.`);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`piAccounts.${SYNC_SETTING}`)) {
          this.applySetting();
          this.run();
        }
      }),
      // globalState has no change event for what Settings Sync brings: look again when the
      // window comes back to the front, as the person comes back from another machine.
      vscode.window.onDidChangeWindowState((s) => s.focused && this.run()),
    ];
  }

  /** A turn after the vault changed (sign-in, sign-out, another window). */
  run(): void {
    if (!this.started) return; // before the accounts are loaded every synced account would look missing
    void this.sync.sync().catch((e: unknown) => this.deps.log.warn(`Account sync: ${(e as Error).message}`));
  }

  private applySetting(): void {
    // Off: the key is no longer synced from here; what is already synced elsewhere stays there.
    this.deps.globalState.setKeysForSync(enabled() ? [SYNC_KEY] : []);
  }
}

function target(arg: unknown): { provider: string; account: string } {
  const a = arg as { provider?: unknown; account?: unknown } | undefined;
  if (typeof a?.provider !== 'string' || typeof a.account !== 'string')
    throw new Fault(
      'not-found',
      'No synced account was given.',
      'Use the "sign in on this machine" row in the Accounts view.',
    );
  return { provider: a.provider, account: a.account };
}
