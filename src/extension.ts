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
import { lockedRun } from './core/mirror/locked-run';
import { AuthMirror } from './core/mirror/auth-mirror';
import { MirrorStateStore } from './core/mirror/mirror-state';
import { ModelsMirror, modelsPathBeside } from './core/mirror/models-mirror';
import { watchFile } from './core/mirror/watch-file';
import { AfterSignIn } from './core/oauth/after-sign-in';
import { ENDPOINTS_ENV, oauthProviders, parseEndpointOverrides, type EndpointOverrides } from './core/oauth/registry';
import { installRouting, routesFromOverrides } from './core/pi-auth/routes';
import { lifetimeNotices } from './core/oauth/tokens';
import { feedbackInto, type Outlet } from './core/outlet';
import { Redactor } from './core/redact';
import { KeyResolver } from './core/resolver';
import { ModelBridge, type PiModels } from './core/llm/model-bridge';
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
import { PiLinkUi } from './vscode/pi-link';
import { secretStoreFrom } from './vscode/secret-store';
import { RecentProviders } from './vscode/sign-in-ui';
import { TerminalEnv } from './vscode/terminal-env';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const cpu = process.cpuUsage(); // logged beside the wall time, which other busy processes stretch
  const redactor = new Redactor();
  const log = createLog(redactor);
  const store = secretStoreFrom(context.secrets);
  const vault = new Vault(store);
  context.subscriptions.push(log, vault);

  const overrides = endpointOverrides(log);
  context.subscriptions.push(lifetimeNotices.event((m) => log.warn(m)));
  const oauth = oauthProviders(overrides);
  // Test set-ups name loopback emulators for the real sign-in hosts: pi-ai's own login and refresh
  // code then reaches them through the HTTP layer (src/core/pi-auth/routes.ts).
  const routes = routesFromOverrides(overrides);
  if (routes) context.subscriptions.push({ dispose: installRouting(routes) });
  const rotationSettings = new CachedRotationSettings(readRotationSettings);
  // Rotation reads usage, usage is fetched with the keys rotation picks: rotation first, its usage
  // plugged in once the usage service exists (`readUsageFrom` below).
  const rotation = new Rotation({ vault, settings: rotationSettings, store, log });
  // Write-backs from the outlets (src/core/outlet.ts); usage figures go to the usage service built below.
  const feedback = feedbackInto({ vault, rotation, usageSeen: (p, a, s) => quota.observe(p, a, s, QUOTA_INTERVAL_MS) });
  const terminal = new TerminalEnv(context.environmentVariableCollection, vault, log, rotation);
  const authPath = () => resolveAuthPath(vscode.workspace.getConfiguration('piAccounts').get<string>('mirror.path'));
  const authMirror = new AuthMirror(vault, new MirrorStateStore(store), authPath, oauth, rotation);
  const mirror = new MirrorSync(authMirror, authPath, log, context.globalState, feedback);
  const modelsMirror = new ModelsMirror(vault, store, () => modelsPathBeside(authPath()), rotation);
  const resolver = new KeyResolver({
    vault,
    oauth,
    log,
    http: httpOptions,
    active: rotation,
    locked: lockedRun({
      active: rotation,
      mirror: () => (mirror.enabled() ? authMirror : undefined),
      privateLock: join(context.globalStorageUri.fsPath, 'refresh'),
    }),
  });
  const quota = new QuotaService({
    vault,
    resolver,
    client: (p) => usageClient(p, overrides[p]?.usage),
    http: httpOptions,
    cache: memento(context.globalState, 'piAccounts.quotaCache.v1'),
    feedback,
  });
  rotation.readUsageFrom((p, a) => quota.entry(p, a));
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
  const afterSignIn = new AfterSignIn({
    log,
    http: httpOptions,
    base: (p) => overrides[p]?.models,
    changed: () => view.sync(),
  });
  const piLink = new PiLinkUi({
    context,
    vault,
    rotation,
    resolver,
    feedback,
    mode: (p) => rotationSettings.mode(p),
    writeAuthFile: () => mirror.run(),
    authPath,
    log,
    refreshView: () => view.sync(),
  });
  const view = new AccountsView({
    vault,
    ready,
    rotation,
    quota: entry,
    mode: (p) => rotationSettings.mode(p),
    tokens: (p, a) => ledger.forToday(p, a),
    problem: (p, a) => afterSignIn.problem(p, a),
    exported: () => terminal.exported(),
    piOverrides: (p) => piOverridesText(modelsMirror, p, modelsProblem),
    piStatus: () => piLink.status(),
  });
  const modelBridge = new ModelBridge({
    vault,
    resolver,
    rotation,
    feedback,
    log,
    http: httpOptions,
    baseUrlOverride: (p) => overrides[p]?.models,
    // pi's provider layer is its own bundle (esbuild.mjs), required on the first model listing or request.
    load: async () => require('./pi-ai.js') as PiModels, // eslint-disable-line @typescript-eslint/no-require-imports
    onUsage: (p, a, input, output, cached) => (ledger.add(p, a, input, output, cached), view.sync()),
  });
  const models = new PiLanguageModels(
    modelBridge,
    new ModelList(memento(context.globalState, 'piAccounts.modelLists.v1')),
    log,
    () => vscode.workspace.getConfiguration('piAccounts').get<boolean>('models.showThinking', false),
  );
  const statusBar = new StatusBar({ vault, rotation, quota: entry, threshold: () => rotationSettings.threshold() });
  const commands = new Commands({
    vault,
    ready,
    recent: new RecentProviders(context.globalState),
    mirror,
    authPath,
    log,
    refreshView: () => view.sync(),
    oauth,
    http: httpOptions,
    rotation,
    quota,
    afterSignIn: (p, a, c) => afterSignIn.run(p, a, c),
    selected: () => view.selected(),
    modelsBaseUrl: (p) => overrides[p]?.models,
  });
  const auth = new AuthProviders(vault, {
    log,
    active: rotation,
    key: (provider, account) => resolver.key(provider, account),
    // A consumer's getSession({ createIfNone }) receives this error: redacted and bounded.
    signIn: (provider) => commands.signIn({ provider }).catch((e) => Promise.reject(log.redactor.fault(e))),
    signOut: (provider, account) => commands.signOut({ provider, account }),
  });

  // Every outlet follows the accounts in use, once per change however many paths the change came
  // by. pi's files are an outlet too, synced apart: not on the first load (see `ready` below); the
  // running pi processes re-read auth.json after each sync.
  const outlets: Outlet[] = [terminal, view, auth, keepFresh, statusBar, models];
  const follow = coalesced(() => {
    for (const outlet of outlets) outlet.sync();
  });
  let modelsProblem: string | undefined;
  const syncModels = async () => {
    if (!mirror.enabled()) return;
    try {
      const r = await modelsMirror.sync();
      modelsProblem = undefined;
      if (r.written)
        log.info(
          `models.json updated (${r.path}): pi gets the base URL and headers of ${r.owned.join(', ') || 'no account'}.`,
        );
      if (r.conflicts.length)
        log.warn(`models.json sets its own base URL or headers for ${r.conflicts.join(', ')}; left as they are.`);
      if (r.refused.length)
        log.warn(
          `Headers not written to models.json because pi would run them as commands ("!…"): ${r.refused.join(', ')}.`,
        );
    } catch (e) {
      modelsProblem = describe(e);
      log.warn(modelsProblem);
    }
    view.sync();
  };
  const piFiles: Outlet = {
    sync: coalesced(() => (void mirror.run().then(() => piLink.reloadPi()), void syncModels())),
  };
  const showUsage = coalesced(() => (view.sync(), statusBar.sync()));
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
    view.register(),
    piLink,
    ...piLink.register(),
    ...commands.register(),
    vault.watch(),
    rotation.watch(),
    vault.onDidChange((change) => {
      redactor.setSecrets(vault.secrets());
      rotation.evaluate();
      follow();
      if (change.reason !== 'load') piFiles.sync();
      if (change.reason === 'add' || change.reason === 'load') refreshQuota();
    }),
    rotation.onDidChange((change) => {
      statusBar.noteChange(change);
      follow();
      piFiles.sync();
      if (change.allExhausted) {
        const label = requireProvider(change.provider).label;
        void vscode.window.showWarningMessage(
          `Every ${label} account has reached its limit. Pi Accounts keeps "${change.to}", which resets first.`,
        );
      }
    }),
    quota.onDidChange((t) => {
      rotation.evaluate(t.provider);
      showUsage();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => (terminal.sync(), view.sync())),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('piAccounts.terminal') || e.affectsConfiguration('piAccounts.mirror'))
        (terminal.sync(), view.sync());
      if (e.affectsConfiguration('piAccounts.rotation')) (rotationSettings.reload(), rotation.evaluate(), follow());
      if (e.affectsConfiguration('piAccounts.statusBar')) statusBar.sync();
      if (e.affectsConfiguration('piAccounts.mirror') || e.affectsConfiguration('piAccounts.rotation')) piFiles.sync();
    }),
  );
  const used = process.cpuUsage(cpu);
  log.info(
    `Activated in ${(performance.now() - started).toFixed(1)} ms (CPU ${((used.user + used.system) / 1000).toFixed(1)} ms).`,
  );

  // The vault's "load" event already updated the redactor, terminals, view and auth providers.
  void ready
    .then(async (loaded) => {
      log.info(
        `Accounts loaded ${Math.round(performance.now() - started)} ms after activation began: ${vault.accounts().length} account(s); auth.json at ${authPath()}.`,
      );
      piLink.start();
      // Watched from here, not in activate(): the first mirror run below reads the file anyway.
      context.subscriptions.push(watchFile(authPath, () => void mirror.onFileChanged()));
      if (loaded) await mirror.run().then(() => (void syncModels(), mirror.offerImportOnce()));
    })
    .catch((e) => log.error(describe(e)));
}

/** For the account's tooltip: whether pi gets the account's base URL and headers through its models.json. */
function piOverridesText(models: ModelsMirror, provider: string, problem: string | undefined): string | undefined {
  const r = models.report();
  if (problem) return `pi does not get this account's base URL and headers: ${problem}`;
  if (r?.owned.includes(provider))
    return `pi gets this account's base URL and headers from its models.json (${r.path})`;
  if (r?.conflicts.includes(provider))
    return `pi's models.json (${r.path}) sets its own base URL or headers for this provider, so pi uses those (left as they are)`;
  return undefined;
}

/** A globalState key as the small get/set port core classes persist through (no secrets). */
function memento(m: vscode.Memento, key: string) {
  return { get: () => m.get(key), set: (value: unknown) => m.update(key, value) };
}

/** Test builds point the OAuth endpoints at local emulators; only loopback URLs are accepted. */
function endpointOverrides(log: ReturnType<typeof createLog>): EndpointOverrides {
  try {
    const o = parseEndpointOverrides(process.env[ENDPOINTS_ENV]);
    if (Object.keys(o).length)
      log.warn(`${ENDPOINTS_ENV} is set: sign-in for ${Object.keys(o).join(', ')} goes to local test servers.`);
    return o;
  } catch (e) {
    log.error(describe(e));
    return {};
  }
}

/** Resolves true once the accounts are read, false when they cannot be (already reported). */
async function loadVault(vault: Vault, log: ReturnType<typeof createLog>): Promise<boolean> {
  const slow = setTimeout(
    () => log.warn("VS Code's secret storage has not answered for 10 s; accounts appear once it does."),
    10_000,
  );
  try {
    await vault.load();
    const unreadable = vault.unreadable();
    if (unreadable.length) {
      const which = unreadable.map((u) => `${u.provider}/${u.name ?? '?'}`).join(', ');
      log.error(
        `${unreadable.length} saved account(s) cannot be read and are kept as they are: ${which}. The other accounts work.`,
      );
      void vscode.window
        .showWarningMessage(
          `Pi Accounts cannot read ${unreadable.length === 1 ? 'the saved account' : 'these saved accounts'} ${which}; the others work. Sign in to ${unreadable.length === 1 ? 'it' : 'them'} again under another name, or report the problem.`,
          'Show Log',
        )
        .then((c) => c && log.show());
    }
    return true;
  } catch (e) {
    void showFault(e, log);
    return false;
  } finally {
    clearTimeout(slow);
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions; TerminalEnv clears its variables there.
}
