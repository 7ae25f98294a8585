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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = Date.now();
  const redactor = new Redactor();
  const log = createLog(redactor);
  const store = secretStoreFrom(context.secrets);
  const vault = new Vault(store);
  const terminal = new TerminalBridge(context.environmentVariableCollection, vault, log);
  context.subscriptions.push(log, vault, terminal);

  // Keys first, before anything else that awaits: terminals opened from now on get them.
  let loaded = true;
  try {
    await vault.load();
  } catch (e) {
    loaded = false;
    void showFault(e, log);
  }
  redactor.setSecrets(vault.secrets());
  terminal.apply();

  const authPath = () => resolveAuthPath(vscode.workspace.getConfiguration('piAccounts').get<string>('mirror.path'));
  const mirror = new MirrorSync(new AuthMirror(vault, new MirrorStateStore(store), authPath), authPath, log, context.globalState);
  const view = new AccountsView(vault);
  const commands = new Commands({ vault, recent: new RecentProviders(context.globalState), mirror, authPath, log, refreshView: () => view.refresh() });
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
  auth.update();
  log.info(`Activated in ${Date.now() - started} ms: ${vault.accounts().length} account(s), auth.json at ${authPath()}.`);

  if (loaded) void mirror.run().then(() => mirror.offerImportOnce()).catch((e) => log.error(describe(e)));
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the terminal bridge clears its variables there.
}
