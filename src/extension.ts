// Composition root: builds the objects and wires the vault's change event to its listeners.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { coalesced } from './core/events';
import { describe } from './core/faults';
import { KeepFresh } from './core/keep-fresh';
import { QuotaService, usageClient } from './core/quota/quota-service';
import { requireProvider } from './core/providers/directory';
import { Rotation } from './core/rotation/rotation';
import { CachedRotationSettings } from './core/rotation/settings';
import { resolveAuthPath } from './core/mirror/auth-path';
import { AuthMirror } from './core/mirror/mirror';
import { MirrorStateStore } from './core/mirror/mirror-state';
import { watchFile } from './core/mirror/watch-file';
import { ENDPOINTS_ENV, oauthProvider, parseEndpointOverrides, type EndpointOverrides } from './core/oauth/registry';
import { Redactor } from './core/redact';
import { KeyResolver, lockedRun } from './core/resolver';
import { ModelBridge } from './core/llm/bridge';
import { UsageLedger } from './core/llm/ledger';
import { ModelList } from './core/llm/model-list';
import { Vault } from './core/vault';
import { AccountsView } from './vscode/accounts-view';
import { AuthProviders } from './vscode/auth-providers';
import { Commands } from './vscode/commands';
import { showFault } from './vscode/faults-ui';
import { QUOTA_INTERVAL_MS, readRotationSettings } from './vscode/settings';
import { StatusBar } from './vscode/status-bar';
import { httpOptions } from './vscode/http-options';
import { PiLanguageModels, VENDOR } from './vscode/language-models';
import { createLog } from './vscode/log';
import { MirrorSync } from './vscode/mirror-sync';
import { secretStoreFrom } from './vscode/secret-store';
import { RecentProviders } from './vscode/sign-in-ui';
import { TerminalBridge } from './vscode/terminal-env';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const redactor = new Redactor();
  const log = createLog(redactor);
  const store = secretStoreFrom(context.secrets);
  const vault = new Vault(store);
  context.subscriptions.push(log, vault);

  const overrides = endpointOverrides(log);
  const oauth = (provider: string) => oauthProvider(provider, overrides);
  const rotationSettings = new CachedRotationSettings(readRotationSettings);
  // Rotation reads usage (`quota`, built below: it needs the resolver that rotation steers).
  const rotation: Rotation = new Rotation({ vault, settings: rotationSettings, quota: (p, a) => quota.entry(p, a), store, log });
  const terminal = new TerminalBridge(context.environmentVariableCollection, vault, log, rotation);
  const authPath = () => resolveAuthPath(vscode.workspace.getConfiguration('piAccounts').get<string>('mirror.path'));
  const authMirror = new AuthMirror(vault, new MirrorStateStore(store), authPath, oauth, rotation);
  const mirror = new MirrorSync(authMirror, authPath, log, context.globalState, (p, a) => rotation.use(p, a));
  const resolver = new KeyResolver({
    vault,
    oauth,
    log,
    http: httpOptions,
    active: rotation,
    locked: lockedRun({ vault, active: rotation, mirror: () => (mirror.enabled() ? authMirror : undefined), privateLock: join(context.globalStorageUri.fsPath, 'refresh') }),
  });
  const quota: QuotaService = new QuotaService({
    vault,
    resolver,
    client: (p) => usageClient(p, overrides[p]?.usage),
    http: httpOptions,
    cache: memento(context.globalState, 'piAccounts.quotaCache.v1'),
    onRateLimited: (p, a, until) => rotation.cooldown(p, a, until, 'the usage endpoint answered 429'),
  });
  const keepFresh = new KeepFresh(vault, resolver, log, { active: rotation });
  // Activation never waits for SecretStorage: in a web workbench that is still restoring, its
  // first answer can wait on the very view that is activating us. Everything that needs the
  // accounts awaits `ready` instead.
  // The shared active accounts first: deciding before reading them would overwrite them.
  const ready = rotation
    .load()
    .catch((e) => log.warn(`Could not read the active accounts: ${describe(e)}`))
    .then(() => loadVault(vault, log));
  const entry = (p: string, a: string) => quota.entry(p, a);
  const ledger = new UsageLedger(memento(context.globalState, 'piAccounts.tokenUsage.v1'));
  const view = new AccountsView({ vault, ready, rotation, quota: entry, mode: (p) => rotationSettings.mode(p), tokens: (p, a) => ledger.forToday(p, a) });
  const bridgeToModels = new ModelBridge({
    vault,
    resolver,
    rotation,
    log,
    http: httpOptions,
    baseUrlOverride: (p) => overrides[p]?.models,
    onUsage: (p, a, input, output) => (ledger.add(p, a, input, output), view.refresh()),
  });
  const models = new PiLanguageModels(bridgeToModels, new ModelList(memento(context.globalState, 'piAccounts.modelLists.v1')), log, () => vscode.workspace.getConfiguration('piAccounts').get<boolean>('models.showThinking', false));
  const statusBar = new StatusBar({ vault, rotation, quota: entry, threshold: () => rotationSettings.threshold() });
  const commands = new Commands({ vault, ready, recent: new RecentProviders(context.globalState), mirror, authPath, log, refreshView: () => view.refresh(), oauth, http: httpOptions, rotation, quota });
  const auth = new AuthProviders(vault, {
    log,
    active: rotation,
    key: (provider, account) => resolver.key(provider, account),
    signIn: (provider) => commands.signIn({ provider }),
    signOut: (provider, account) => commands.signOut({ provider, account }),
  });

  // Everything that shows or exports the active account follows it, once per change however
  // many paths the change came by.
  const bridge = coalesced(() => {
    terminal.apply();
    view.refresh();
    auth.update();
    keepFresh.schedule();
    statusBar.update();
    models.refresh();
  });
  const syncMirror = coalesced(() => void mirror.run());
  const showUsage = coalesced(() => (view.refresh(), statusBar.update()));
  const refreshQuota = () => void quota.refresh().catch((e) => log.warn(`Usage refresh failed: ${describe(e)}`));
  const timer = setInterval(refreshQuota, QUOTA_INTERVAL_MS);

  context.subscriptions.push(
    terminal,
    auth,
    keepFresh,
    rotation,
    quota,
    statusBar,
    { dispose: () => clearInterval(timer) },
    models,
    vscode.lm.registerLanguageModelChatProvider(VENDOR, models),
    vscode.window.createTreeView('piAccounts.accounts', { treeDataProvider: view }),
    ...commands.register(),
    vault.watch(),
    rotation.watch(),
    watchFile(authPath, () => void mirror.onFileChanged()),
    vault.onDidChange((change) => {
      redactor.setSecrets(vault.secrets());
      rotation.evaluate();
      bridge();
      if (change.reason !== 'load') syncMirror();
      if (change.reason === 'add' || change.reason === 'load') refreshQuota();
    }),
    rotation.onDidChange((change) => {
      bridge();
      syncMirror();
      if (change.allExhausted) {
        const label = requireProvider(change.provider).label;
        void vscode.window.showWarningMessage(`Every ${label} account has reached its limit. Pi Accounts keeps "${change.to}", which resets first.`);
      }
    }),
    quota.onDidChange((t) => {
      rotation.evaluate(t.provider);
      showUsage();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => terminal.apply()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('piAccounts.terminal')) terminal.apply();
      if (e.affectsConfiguration('piAccounts.rotation')) (rotationSettings.reload(), rotation.evaluate(), bridge());
      if (e.affectsConfiguration('piAccounts.statusBar')) statusBar.update();
      if (e.affectsConfiguration('piAccounts.mirror') || e.affectsConfiguration('piAccounts.rotation')) syncMirror();
    }),
  );
  log.info(`Activated in ${(performance.now() - started).toFixed(1)} ms; auth.json at ${authPath()}.`);

  // The vault's "load" event already updated the redactor, terminals, view and auth providers.
  void ready.then(async (loaded) => {
    log.info(`Accounts loaded ${Math.round(performance.now() - started)} ms after activation began: ${vault.accounts().length} account(s).`);
    if (loaded) await mirror.run().then(() => mirror.offerImportOnce());
  }).catch((e) => log.error(describe(e)));
}

/** A globalState key as the small get/set port core classes persist through (no secrets). */
function memento(m: vscode.Memento, key: string) {
  return { get: () => m.get(key), set: (value: unknown) => m.update(key, value) };
}

/** Test builds point the OAuth endpoints at local emulators; only loopback URLs are accepted. */
function endpointOverrides(log: ReturnType<typeof createLog>): EndpointOverrides {
  try {
    const o = parseEndpointOverrides(process.env[ENDPOINTS_ENV]);
    if (Object.keys(o).length) log.warn(`${ENDPOINTS_ENV} is set: sign-in for ${Object.keys(o).join(', ')} goes to local test servers.`);
    return o;
  } catch (e) {
    log.error(describe(e));
    return {};
  }
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
