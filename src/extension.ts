// Composition root: builds the objects and wires the vault's change event to its listeners.
import * as vscode from 'vscode';
import { describe } from './core/faults';
import { resolveAuthPath } from './core/mirror/auth-path';
import { AuthMirror } from './core/mirror/mirror';
import { MirrorStateStore } from './core/mirror/mirror-state';
import { Redactor } from './core/redact';
import { Vault } from './core/vault';
import { AccountsView } from './vscode/accounts-view';
import { AuthProviders } from './vscode/auth-providers';
import { Commands } from './vscode/commands';
import { showFault } from './vscode/faults-ui';
import { createLog } from './vscode/log';
import { MirrorSync } from './vscode/mirror-sync';
import { secretStoreFrom } from './vscode/secret-store';
import { RecentProviders } from './vscode/sign-in-ui';
import { TerminalBridge } from './vscode/terminal-env';

export function activate(context: vscode.ExtensionContext): void {
  const started = Date.now();
  const redactor = new Redactor();
  const log = createLog(redactor);
  const store = secretStoreFrom(context.secrets);
  const vault = new Vault(store);
  const terminal = new TerminalBridge(context.environmentVariableCollection, vault, log);
  context.subscriptions.push(log, vault, terminal);

  const authPath = () => resolveAuthPath(vscode.workspace.getConfiguration('piAccounts').get<string>('mirror.path'));
  const mirror = new MirrorSync(new AuthMirror(vault, new MirrorStateStore(store), authPath), authPath, log, context.globalState);
  // Activation never waits for SecretStorage: in a web workbench that is still restoring, its
  // first answer can wait on the very view that is activating us. Everything that needs the
  // accounts awaits `ready` instead.
  const ready = loadVault(vault, log);
  const view = new AccountsView(vault, ready);
  const commands = new Commands({ vault, ready, recent: new RecentProviders(context.globalState), mirror, authPath, log, refreshView: () => view.refresh() });
  const auth = new AuthProviders(
    vault,
    log,
    (provider) => commands.signIn({ provider }),
    (provider, account) => commands.signOut({ provider, account }),
  );

  context.subscriptions.push(
    auth,
    vscode.window.createTreeView('piAccounts.accounts', { treeDataProvider: view }),
    ...commands.register(),
    vault.watch(),
    vault.onDidChange((change) => {
      redactor.setSecrets(vault.secrets());
      terminal.apply();
      view.refresh();
      auth.update();
      if (change.reason !== 'load') void mirror.run();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => terminal.apply()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('piAccounts.terminal')) terminal.apply();
      if (e.affectsConfiguration('piAccounts.mirror')) void mirror.run();
    }),
  );
  log.info(`Activated in ${Date.now() - started} ms; auth.json at ${authPath()}.`);

  // The vault's "load" event already updated the redactor, terminals, view and auth providers.
  void ready.then(async (loaded) => {
    log.info(`Accounts loaded ${Date.now() - started} ms after activation began: ${vault.accounts().length} account(s).`);
    if (loaded) await mirror.run().then(() => mirror.offerImportOnce());
  }).catch((e) => log.error(describe(e)));
}

/** Resolves true once the accounts are read, false when they cannot be (already reported). */
async function loadVault(vault: Vault, log: ReturnType<typeof createLog>): Promise<boolean> {
  const slow = setTimeout(() => log.warn("VS Code's secret storage has not answered for 10 s; accounts appear once it does."), 10_000);
  try {
    await vault.load();
    return true;
  } catch (e) {
    void showFault(e, log);
    return false;
  } finally {
    clearTimeout(slow);
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the terminal bridge clears its variables there.
}
