// Composition root: builds the objects and wires the vault's change event to its listeners.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { coalesced, Emitter, reportListenerErrors } from './core/events';
import { describe, messageOf } from './core/faults';
import { Accounts } from './core/accounts';
import { route } from './core/routing';
import { ModelsFileOutlet } from './core/mirror/models-outlet';
import { KeepFresh } from './core/keep-fresh';
import { balanceClient, usageClient } from './core/usage-service/usage-service';
import { requireProvider } from './core/providers/directory';
import { CachedRotationSettings } from './core/rotation/settings';
import { resolveAuthPath } from './core/mirror/auth-path';
import { lockedRun } from './core/mirror/locked-run';
import { AuthMirror } from './core/mirror/auth-mirror';
import { MirrorStateStore } from './core/mirror/mirror-state';
import { ModelsMirror, modelsPathBeside } from './core/mirror/models-mirror';
import { watchFile } from './core/mirror/watch-file';
import { AfterSignIn } from './core/providers/after-sign-in';
import { ENDPOINTS_ENV, oauthProviders, parseTestRoutes, type TestRoutes } from './core/providers/registry';
import { installRouting, piRoutesOf } from './core/pi-auth/routes';
import { lifetimeNotices } from './core/oauth/tokens';
import type { Outlet } from './core/outlet';
import { Redactor } from './core/redact';
import { ModelBridge, type PiModels } from './core/llm/model-bridge';
import { Diagnostics } from './core/diagnostics';
import { UsageLedger } from './core/llm/ledger';
import { ModelList } from './core/llm/model-list';
import { moveRenamedProviders } from './core/renamed-providers';
import { AccountsView } from './vscode/accounts-view';
import { machine } from './vscode/remote-window';
import { AuthProviders } from './vscode/auth-providers';
import { Commands } from './vscode/commands';
import { showFault } from './vscode/faults-ui';
import { QUOTA_INTERVAL_MS, readRotationSettings } from './vscode/settings';
import { StatusBar } from './vscode/status-bar';
import { UsagePanel } from './vscode/usage-panel';
import { httpOptions } from './vscode/http-options';
import { PiLanguageModels, VENDOR } from './vscode/language-models';
import { createLog } from './vscode/log';
import { MirrorSync } from './vscode/mirror-sync';
import { PiLinkUi } from './vscode/pi-link';
import { secretStoreFrom } from './vscode/secret-store';
import { RecentProviders } from './vscode/sign-in-ui';
import { TerminalEnv } from './vscode/terminal-env';
import { SecretCache } from './core/secret-cache';
import { AccountSyncUi } from './vscode/account-sync';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const cpu = process.cpuUsage(); // logged beside the wall time, which other busy processes stretch
  const redactor = new Redactor();
  const log = createLog(redactor);
  const store = secretStoreFrom(context.secrets);
  const testRoutes = testRoutesFromEnv(log);
  const oauth = oauthProviders(testRoutes);
  // Test set-ups name loopback emulators for the real sign-in hosts: pi-ai's own login and refresh
  // code then reaches them through the HTTP layer (src/core/pi-auth/routes.ts).
  const routes = piRoutesOf(testRoutes);
  if (routes) context.subscriptions.push({ dispose: installRouting(routes) });
  const rotationSettings = new CachedRotationSettings(readRotationSettings);
  const authPath = () => resolveAuthPath(vscode.workspace.getConfiguration('piAccounts').get<string>('mirror.path'));
  const mirrorEnabled = () => vscode.workspace.getConfiguration('piAccounts').get<boolean>('mirror.enabled', true);
  const mirrorState = new MirrorStateStore(store);
  // pi's auth.json mirror is built with the vault and rotation it writes from, because a refresh
  // of the account pi uses runs under pi's own lock on that file (src/core/mirror/locked-run.ts).
  let authMirror: AuthMirror | undefined;
  // Keys kept in a password manager, read when needed and held in memory for a while; the
  // redactor learns each before anything else hears of it.
  const secrets = new SecretCache();
  const secretsHeard = secrets.onDidResolve((ref) => {
    const value = secrets.peek(ref);
    if (value) redactor.addSecret(value);
  });
  const accounts = new Accounts({
    store,
    log,
    refs: secrets,
    settings: rotationSettings,
    oauth,
    http: httpOptions,
    usage: {
      client: (p) => usageClient(p, testRoutes[p]?.usage),
      balance: (p) => balanceClient(p, testRoutes[p]?.balance),
      cache: memento(context.globalState, 'piAccounts.quotaCache.v1'),
      quietMs: QUOTA_INTERVAL_MS,
    },
    refreshLock: ({ vault, rotation }) => {
      const m = new AuthMirror(vault, mirrorState, authPath, oauth, rotation);
      authMirror = m;
      return lockedRun({
        inUse: rotation,
        mirror: () => (mirrorEnabled() ? m : undefined),
        privateLock: join(context.globalStorageUri.fsPath, 'refresh'),
      });
    },
  });
  const { vault, rotation, resolver, feedback, usage } = accounts;
  const mirror = new MirrorSync(authMirror!, authPath, log, context.globalState, feedback);
  const modelsMirror = new ModelsMirror(vault, store, () => modelsPathBeside(authPath()), rotation);
  context.subscriptions.push(
    log,
    accounts,
    reportListenerErrors((what, e) => log.error(`A listener of ${what} failed: ${messageOf(e)}`)),
    lifetimeNotices.event((m) => log.warn(m)),
    secretsHeard,
    secrets,
  );

  const terminal = new TerminalEnv(context.environmentVariableCollection, vault, log, rotation, secrets);
  const keepFresh = new KeepFresh(vault, resolver, log, { active: rotation });
  // Activation never waits for SecretStorage: in a web workbench that is still restoring, its
  // first answer can wait on the very view that is activating us. Everything that needs the
  // accounts awaits `ready` instead.
  // Accounts saved under an id pi renamed move to the new id before anything reads them
  // (src/core/renamed-providers.ts).
  const ready = moveRenamedProviders(store)
    .then(
      (moved) => moved.length && log.info(`Accounts moved to the provider id pi uses now: ${moved.join(', ')}.`),
      (e: unknown) => log.warn(`Could not move accounts saved under an old provider id: ${describe(e)}`),
    )
    .then(() => loadAccounts(accounts, log));
  const entry = (p: string, a: string) => usage.entry(p, a);
  const ledger = new UsageLedger(memento(context.globalState, 'piAccounts.tokenUsage.v1'));
  const views = new Emitter<void>('a redraw of the Accounts view');
  const refreshView = () => views.fire();
  const afterSignIn = new AfterSignIn({
    log,
    http: httpOptions,
    testRoute: (p) => testRoutes[p]?.models,
    changed: refreshView,
  });
  const modelsFile = new ModelsFileOutlet(modelsMirror, mirrorEnabled, log, refreshView);
  // auth.json and models.json together: a running pi is told to re-read only once both are written.
  const writePiFiles = () => Promise.all([mirror.run(), modelsFile.run()]);
  // A bare 401/402/403/429 (pi's or our own): the provider is asked once for its reason.
  const diagnostics = new Diagnostics({
    key: (p, a) => {
      const c = vault.credential(p, a);
      return c?.type === 'api_key' ? c.key : undefined;
    },
    baseUrl: (p, a) => testRoutes[p]?.models ?? vault.request(p, a)?.baseUrl,
    http: httpOptions,
    redact: (text) => redactor.redact(text),
    feedback,
    tell: (message) => void vscode.window.showWarningMessage(message),
    log,
  });
  const piLink = new PiLinkUi({
    context,
    diagnostics,
    vault,
    rotation,
    resolver,
    feedback,
    mode: (p) => rotationSettings.mode(p),
    quota: entry,
    // A switch reaches pi whole: the companion applies models.json's base URL and headers.
    writeAuthFile: writePiFiles,
    authPath,
    log,
    refreshView,
    peekRef: (ref) => secrets.peek(ref),
  });
  // The account list for Settings Sync (opt-in): missing accounts become "sign in on this machine" rows.
  const accountSync = new AccountSyncUi({
    vault,
    globalState: context.globalState,
    log,
    signIn: (provider: string, account: string): Promise<unknown> => commands.signIn({ provider, account }),
  });
  const view = new AccountsView({
    vault,
    ready,
    synced: () => accountSync.sync.pending(),
    rotation,
    usage: entry,
    mode: (p) => rotationSettings.mode(p),
    tokens: (p, a) => ledger.forToday(p, a),
    problem: (p, a) => afterSignIn.problem(p, a),
    exported: () => terminal.exported(),
    piRequestSettings: (p) => modelsFile.tooltip(p),
    piStatus: () => piLink.status(),
    machine: () => machine(authPath()),
  });
  const modelBridge = new ModelBridge({
    vault,
    resolver,
    rotation,
    feedback,
    log,
    http: httpOptions,
    testRoute: (p) => testRoutes[p]?.models,
    diagnostics,
    // pi's provider layer is its own bundle (esbuild.mjs), required on the first model listing or request.
    load: async () => require('./pi-ai.js') as PiModels, // eslint-disable-line @typescript-eslint/no-require-imports
    // Subscription sign-ins serve other extensions only once the person turned that on (their terms).
    subscriptionModels: () =>
      vscode.workspace.getConfiguration('piAccounts').get<boolean>('models.subscriptionSignIns', false),
    onUsage: (p, a, input, output, cached) => {
      ledger.add(p, a, input, output, cached);
      refreshView();
    },
  });
  const models = new PiLanguageModels(
    modelBridge,
    new ModelList(memento(context.globalState, 'piAccounts.modelLists.v1')),
    log,
    () => vscode.workspace.getConfiguration('piAccounts').get<boolean>('models.showThinking', false),
  );
  const usagePanel = new UsagePanel(() => ({
    accounts: vault.accounts(),
    inUse: (p) => rotation.inUse(p)?.name,
    usage: entry,
    cooldown: (p, a) => rotation.cooldownOf(p, a),
    tokens: (p, a) => ledger.forToday(p, a),
    week: (p, a) => ledger.week(p, a),
  }));
  const statusBar = new StatusBar({ vault, rotation, usage: entry, threshold: () => rotationSettings.threshold() });
  const commands = new Commands({
    vault,
    ready,
    recent: new RecentProviders(context.globalState),
    mirror,
    authPath,
    log,
    refreshView,
    oauth,
    http: httpOptions,
    rotation,
    usage,
    afterSignIn: (p, a, c) => afterSignIn.run(p, a, c),
    selected: () => view.selected(),
    takePiOffer: () => piLink.takeOffer(),
    testRoute: (p) => testRoutes[p]?.models,
    readRef: (ref, fresh) => (fresh ? secrets.readNow(ref) : secrets.resolve(ref)),
  });
  const auth = new AuthProviders(vault, {
    log,
    inUse: rotation,
    key: (provider, account) => resolver.key(provider, account),
    // A consumer's getSession({ createIfNone }) receives this error: redacted and bounded.
    signIn: (provider) => commands.signIn({ provider }).catch((e: unknown) => Promise.reject(log.redactor.fault(e))),
    signOut: (provider, account) => commands.signOut({ provider, account }),
  });

  const refreshUsage = () =>
    void usage.refresh().catch((e: unknown) => log.warn(`Usage refresh failed: ${describe(e)}`));
  const timer = setInterval(refreshUsage, QUOTA_INTERVAL_MS);
  // pi's files: auth.json and models.json, then the running pi processes re-read them.
  // `soft` (routing.ts): only rotation's own switches since the last reload, so a pi session may
  // keep its account (sticky sessions); a settings change or a switch by hand is never soft.
  let piSoft = true;
  const piReload = coalesced(() => {
    const soft = piSoft;
    piSoft = true;
    void writePiFiles().then(() => piLink.reloadPi(soft));
  });
  const piFiles = {
    sync: (soft = false) => {
      if (!soft) piSoft = false;
      piReload();
    },
  };
  const outlets: Outlet[] = [terminal, view, auth, keepFresh, statusBar, models, usagePanel];

  context.subscriptions.push(
    terminal,
    auth,
    keepFresh,
    statusBar,
    { dispose: () => clearInterval(timer) },
    models,
    vscode.lm.registerLanguageModelChatProvider(VENDOR, models),
    view.register(),
    views,
    views.event(() => {
      view.sync();
      usagePanel.sync();
    }),
    usagePanel,
    usagePanel.register(),
    piLink,
    ...piLink.register(),
    ...commands.register(),
    ...accountSync.register(),
    accountSync.sync.onDidChange(refreshView),
    accounts.onDidChange((c) => c.kind === 'accounts' && c.reason !== 'refresh' && accountSync.run()),
    accounts.watch(),
    // The redactor learns new secrets before anything else hears of them.
    accounts.onDidChange(
      (c) => c.kind === 'accounts' && redactor.setSecrets([...vault.secrets(), ...secrets.values()]),
    ),
    route(accounts, {
      outlets,
      piFiles,
      usageShown: [view, statusBar, usagePanel],
      refreshUsage,
      inUseChanged: (change) => {
        statusBar.noteChange(change);
        if (change.notice) void vscode.window.showInformationMessage(change.notice);
      },
      allExhausted: (change) =>
        void vscode.window.showWarningMessage(
          `Every ${requireProvider(change.provider).label} account has reached its limit. Pi Accounts keeps "${change.to}", which resets first.`,
        ),
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      terminal.sync();
      view.sync();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('piAccounts.terminal') || e.affectsConfiguration('piAccounts.mirror')) {
        terminal.sync();
        view.sync();
      }
      if (e.affectsConfiguration('piAccounts.rotation')) {
        rotationSettings.reload();
        rotation.evaluate();
        outlets.forEach((o) => o.sync());
      }
      if (e.affectsConfiguration('piAccounts.statusBar')) statusBar.sync();
      if (e.affectsConfiguration('piAccounts.models.subscriptionSignIns')) models.sync();
      if (e.affectsConfiguration('piAccounts.mirror') || e.affectsConfiguration('piAccounts.rotation')) piFiles.sync();
    }),
  );
  const used = process.cpuUsage(cpu);
  log.info(
    `Activated in ${(performance.now() - started).toFixed(1)} ms (CPU ${((used.user + used.system) / 1000).toFixed(1)} ms).`,
  );

  // The accounts' "load" change already updated the redactor, terminals, view and auth providers.
  void ready
    .then(async (loaded) => {
      log.info(
        `Accounts loaded ${Math.round(performance.now() - started)} ms after activation began: ${vault.accounts().length} account(s); auth.json at ${authPath()}.`,
      );
      log.info(`${machine(authPath()).line}.`);
      piLink.start();
      if (loaded) accountSync.start();
      // Watched from here, not in activate(): the first mirror run below reads the file anyway.
      context.subscriptions.push(watchFile(authPath, () => void mirror.onFileChanged()));
      if (loaded) await mirror.run().then(() => (modelsFile.sync(), mirror.offerImportOnce()));
    })
    .catch((e: unknown) => log.error(describe(e)));
}

/** A globalState key as the small get/set port core classes persist through (no secrets). */
function memento(m: vscode.Memento, key: string) {
  return { get: () => m.get(key), set: (value: unknown) => m.update(key, value) };
}

/** Test builds point the OAuth endpoints at local emulators; only loopback URLs are accepted. */
function testRoutesFromEnv(log: ReturnType<typeof createLog>): TestRoutes {
  try {
    const o = parseTestRoutes(process.env[ENDPOINTS_ENV]);
    if (Object.keys(o).length)
      log.warn(`${ENDPOINTS_ENV} is set: sign-in for ${Object.keys(o).join(', ')} goes to local test servers.`);
    return o;
  } catch (e) {
    log.error(describe(e));
    return {};
  }
}

/** Resolves true once the accounts are read, false when they cannot be (already reported). */
async function loadAccounts(accounts: Accounts, log: ReturnType<typeof createLog>): Promise<boolean> {
  const slow = setTimeout(
    () => log.warn("VS Code's secret storage has not answered for 10 s; accounts appear once it does."),
    10_000,
  );
  try {
    await accounts.load();
    const unreadable = accounts.vault.unreadable();
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
