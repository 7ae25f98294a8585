import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { apiKeyProblem, requireApiKey, type Credential } from '../core/credentials';
import { toolsOnPath } from '../core/secret-reader';
import { refLabel, secretRefSchema, type SecretRef, type SecretTool } from '../core/secret-ref';
import type { HttpOptions } from '../core/http';
import { aborted, Fault, isFault } from '../core/faults';
import { canCheckKey, checkKey } from '../core/key-check';
import type { Log } from './log';
import type { OAuthProvider } from '../core/oauth/provider';
import type { UsageService } from '../core/usage-service/usage-service';
import type { Rotation } from '../core/rotation/rotation';
import { requireProvider, type ProviderInfo } from '../core/providers/directory';
import type { AccountInfo, Vault } from '../core/vault';
import {
  confirmSignOut,
  pickAccount,
  pickProviderWithAccounts,
  pickSignOutTarget,
  type AccountTarget,
  type Target,
} from './account-pickers';
import { AccountNode, ProviderNode, VIEW_ID, type Node } from './accounts-view';
import { showFault } from './faults-ui';
import type { MirrorSync } from './mirror-sync';
import { importFromEnvironment } from './env-import';
import { runApiKeySignIn, runSignInFlow } from './sign-in-flow';
import { askRequestSettings, formatHeaders } from './request-settings-ui';
import { askKey, askRef, FROM_MANAGER, promptSignIn, type RecentProviders, type SignInRequest } from './sign-in-ui';
import { requireRequestSettings } from '../core/request-settings';
import { modelsPathBeside } from '../core/mirror/models-mirror';
import { accountTitle, noUsageFigures } from '../core/words';
import { credentialFromForm } from '../core/providers/forms';

// Argument objects let keybindings, other extensions and tests run the commands without prompts.
const target = { provider: z.string(), account: z.optional(z.string()) };
const values = z.record(z.string(), z.string());
const signInArgs = z.object({
  ...target,
  key: z.optional(z.string()),
  values: z.optional(values),
  /** A key kept in a password manager: { tool: 'op', ref: 'op://…' }, { tool: 'pass', entry }, … */
  ref: z.optional(secretRefSchema),
  form: z.optional(z.number()),
});
const accountArgs = z.object({ ...target, confirm: z.optional(z.boolean()) });
const requestSettingsArgs = z.object({ ...target, baseUrl: z.optional(z.string()), headers: z.optional(values) });
const openFileArgs = z.object({ file: z.optional(z.enum(['auth.json', 'models.json'])) });

export interface CommandDeps {
  readonly vault: Vault;
  /** Settles once the accounts are loaded from secret storage. */
  readonly ready: Promise<unknown>;
  readonly recent: RecentProviders;
  readonly mirror: MirrorSync;
  readonly authPath: () => string;
  readonly log: Log;
  readonly refreshView: () => void;
  readonly oauth: (provider: string) => OAuthProvider | undefined;
  readonly http: () => HttpOptions | undefined;
  readonly rotation: Rotation;
  readonly usage: UsageService;
  /** Background work after a browser/device sign-in (Copilot: enabling its models). Never throws. */
  readonly afterSignIn?: (provider: string, account: string, credential: Credential) => Promise<void>;
  /** Where a provider's models endpoint is (tests: a loopback emulator); else the built-in one. */
  readonly testRoute?: (provider: string) => string | undefined;
  /** Whether to offer Connect pi on this sign-in's toast (once ever, where pi is found). */
  readonly takePiOffer?: () => boolean;
  /** The Accounts view's selected row. */
  readonly selected: () => Node | undefined;
  /** Reads a key kept in a password manager (`fresh`: read now, not from memory). */
  readonly readRef?: (ref: SecretRef, fresh?: boolean) => Promise<string>;
}

function parseArgs<T>(schema: z.ZodMiniType<T>, arg: unknown, command: string): T | undefined {
  if (arg === undefined || arg === null) return undefined;
  const r = schema.safeParse(arg);
  const message = `Pi Accounts: ${command} got arguments it does not understand.`;
  if (!r.success) throw new Fault('invalid-arguments', message, 'Pass { provider, account } (and key for sign-in).');
  return r.data;
}

/** A command's target as given: the Accounts view row it was run on, or its argument object (checked). */
function targetOf<T extends Target>(arg: unknown, schema: z.ZodMiniType<T>, command: string): T | Target | undefined {
  if (arg instanceof AccountNode) return { provider: arg.provider, account: arg.account };
  if (arg instanceof ProviderNode) return { provider: arg.provider };
  return parseArgs(schema, arg, command);
}

export class Commands {
  constructor(private readonly deps: CommandDeps) {}

  register(): vscode.Disposable[] {
    const c = (id: string, fn: (arg: unknown) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async (arg: unknown) => {
        try {
          await this.deps.ready;
          return await fn(arg);
        } catch (e) {
          const fromCode = arg !== undefined && !isRow(arg);
          // Not awaited: the notification stays until someone closes it, and a calling
          // extension must get its rejection now, not then.
          if (!isFault(e, 'aborted')) void showFault(e, this.deps.log, () => vscode.commands.executeCommand(id, arg));
          if (fromCode) throw this.deps.log.redactor.fault(e); // another extension gets it: redacted, bounded
          return undefined;
        }
      });
    return [
      c('piAccounts.signIn', (arg) => this.signIn(arg)),
      c('piAccounts.addAccount', (arg) => this.signIn(arg instanceof ProviderNode ? { provider: arg.provider } : arg)),
      c('piAccounts.signOut', (arg) => this.signOut(arg)),
      c('piAccounts.signOutAll', (arg) => this.signOut(arg)),
      // The old name of Use This Account, kept for callers that pass arguments.
      c('piAccounts.setDefault', (arg) => this.useAccount(arg)),
      c('piAccounts.signInAgain', (arg) => this.signInAgain(arg)),
      c('piAccounts.useAccount', (arg) => this.useAccount(arg)),
      c('piAccounts.setOverrides', (arg) => this.setRequestSettings(arg)),
      c('piAccounts.nextAccount', (arg) => this.nextAccount(arg)),
      c('piAccounts.refreshQuota', (arg) => this.refreshUsage(arg)),
      c('piAccounts.checkKey', (arg) => this.checkKeyOf(arg)),
      c('piAccounts.refresh', async () => {
        await this.deps.vault.load('external');
        this.deps.refreshView();
      }),
      c('piAccounts.importFromPi', () => this.deps.mirror.importFromPi()),
      c('piAccounts.importFromEnvironment', () => importFromEnvironment(this.deps.vault, this.deps.log)),
      c('piAccounts.openAuthFile', (arg?: unknown) => this.openPiFile(arg)),
      c('piAccounts.showLog', async () => this.deps.log.show()),
      c('piAccounts.manageTrust', async () => vscode.commands.executeCommand('workbench.trust.manage')),
      // Keybindings in the view (Enter, Delete) act on the row the person is on.
      c('piAccounts.useSelected', () => this.onSelected((n) => this.useAccount(n))),
      c('piAccounts.signOutSelected', () => this.onSelected((n) => this.signOut(n))),
    ];
  }

  /** The row the person is on, when it is an account: commands take it like a row they were run on. */
  private async onSelected(run: (node: AccountNode) => Promise<void>): Promise<void> {
    const node = this.deps.selected();
    if (node instanceof AccountNode) await run(node);
  }

  /** Opens pi's auth.json (or, given `{ file: 'models.json' }`, models.json) after a warning. */
  private async openPiFile(arg?: unknown): Promise<void> {
    const file = parseArgs(openFileArgs, arg, "Open pi's auth.json")?.file ?? 'auth.json';
    const path = file === 'models.json' ? modelsPathBeside(this.deps.authPath()) : this.deps.authPath();
    if (!existsSync(path)) {
      const when =
        file === 'auth.json'
          ? "It is created when you sign in, or when you run pi's /login."
          : 'It is created when an account has its own base URL or headers.';
      void vscode.window.showInformationMessage(`pi's ${file} does not exist yet (${path}). ${when}`);
      return;
    }
    // auth.json holds every key in plain text, models.json may hold headers with secrets, and an
    // open editor is visible to chat and other extensions (chat may attach it by itself): ask first.
    const ok = await vscode.window.showWarningMessage(
      file === 'auth.json'
        ? "pi's auth.json shows your keys in plain text."
        : "pi's models.json may show secret headers in plain text.",
      {
        modal: true,
        detail:
          'Anyone who sees your screen can read them, and chat or other extensions can read an open editor. ' +
          `Close it when you are done.\n\n${path}`,
      },
      'Open Anyway',
    );
    if (ok !== 'Open Anyway') throw aborted();
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true });
  }

  /** Returns the new account (never its key); a cancelled prompt throws `aborted`. */
  async signIn(arg?: unknown): Promise<AccountInfo> {
    const args = parseArgs(signInArgs, arg, 'Sign In');
    // With a key in the arguments there are no prompts; either way the same checks apply below.
    const account = args?.account ?? 'default';
    const req: SignInRequest =
      args?.key !== undefined
        ? { kind: 'apiKey', provider: args.provider, account, key: args.key }
        : args?.ref
          ? { kind: 'ref', provider: args.provider, account, ref: args.ref }
          : args?.values
            ? { kind: 'form', provider: args.provider, account, credential: formCredential(args, args.values) }
            : await promptSignIn(this.deps.vault, this.deps.recent, args?.provider, args?.account);
    const provider = requireProvider(req.provider);
    // Everything the person is asked for, and the whole browser/device flow, comes before the
    // vault is touched: a sign-in cancelled or failed half-way stores nothing.
    const credential: Credential =
      req.kind === 'apiKey'
        ? { type: 'api_key', key: requireApiKey(req.key, provider.label) }
        : req.kind === 'form'
          ? req.credential
          : req.kind === 'piKey'
            ? await this.keySignIn(provider, req.managers)
            : req.kind === 'ref'
              ? await this.refCredential(provider, req.ref)
              : await this.login(provider);
    // Taken before the vault changes: the change would make the offer a toast of its own.
    const offerPi = this.deps.takePiOffer?.() ?? false;
    const added = await this.deps.vault.add(provider.id, req.account, credential); // the vault checks the name
    void this.deps.afterSignIn?.(provider.id, added.name, credential);
    await this.deps.recent.touch(provider.id);
    const how =
      credential.type === 'oauth'
        ? 'browser sign-in'
        : credential.type === 'env'
          ? `settings ${Object.keys(credential.vars).join(', ')}`
          : credential.type === 'ref'
            ? `key in ${refLabel(credential.ref)}`
            : `api key ${added.keyTail}`;
    const inUse = this.deps.rotation.inUse(provider.id)?.name === added.name;
    this.deps.log.info(`Signed in: ${provider.id}/${added.name} (${how})${inUse ? ', in use' : ''}.`);
    // The key check is offered, never forced: saving does not wait on the network.
    const check =
      (credential.type === 'api_key' || credential.type === 'ref') && canCheckKey(provider.id) ? ['Check Key'] : [];
    const label =
      req.kind === 'apiKey' || req.kind === 'form' || req.kind === 'piKey' || req.kind === 'ref'
        ? provider.label
        : provider.signInLabels?.[req.kind];
    const signedIn = `Signed in to ${label ?? provider.label} as "${added.name}"${inUse ? ' (in use)' : ''}.`;
    const pi = offerPi ? " pi is on this machine: connect it, and pi's own rate limits switch its account." : '';
    void vscode.window
      .showInformationMessage(signedIn + pi, ...check, ...(offerPi ? ['Connect pi'] : []))
      .then((choice) =>
        choice === 'Check Key'
          ? this.checkKey(provider, added.name)
          : choice === 'Connect pi'
            ? vscode.commands.executeCommand('piAccounts.connectPi')
            : undefined,
      )
      .then(undefined, (e: unknown) => showFault(e, this.deps.log));
    return added;
  }

  private readRef(ref: SecretRef, fresh = false): Promise<string> {
    if (!this.deps.readRef)
      return Promise.reject(
        new Fault('secret-ref', 'Password managers cannot be read here.', undefined, {
          tool: ref.tool,
          reason: 'failed',
        }),
      );
    return this.deps.readRef(ref, fresh);
  }

  /**
   * A sign-in by reference is checked by one read now: a reference that reads nothing, or not a
   * key, is not stored. The key read is held in memory only (for the first terminal or request).
   */
  /** pi-ai's own key sign-in, or, from its key box's lock button, a key in a password manager. */
  private async keySignIn(provider: ProviderInfo, managers: readonly SecretTool[]): Promise<Credential> {
    const c = await runApiKeySignIn(provider, 3, managers);
    return c === FROM_MANAGER ? this.refCredential(provider, await askRef(provider, managers)) : c;
  }

  private async refCredential(provider: ProviderInfo, ref: SecretRef): Promise<Credential> {
    const title = `Reading the key from ${refLabel(ref)}…`;
    const key = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () =>
      this.readRef(ref, true),
    );
    const problem = apiKeyProblem(key);
    if (problem)
      throw new Fault(
        'invalid-key',
        `${refLabel(ref)} was not stored: what it holds is not a usable ${provider.label} key. ${problem}`,
        'Check the entry in your password manager (the key alone, on its first line), then sign in again.',
      );
    return { type: 'ref', ref };
  }

  /** Check Key on a row or from the palette: any time, not only from the "Signed in" toast. */
  async checkKeyOf(arg?: unknown): Promise<void> {
    const given = targetOf(arg, accountArgs, 'Check Key');
    const checkable = (a: AccountInfo) => (a.kind === 'api_key' || a.kind === 'ref') && canCheckKey(a.provider);
    const target = await this.accountOf(given, 'Check Key: which account?', checkable);
    const provider = requireProvider(target.provider);
    if (!this.deps.vault.accounts(provider.id).some((a) => a.name === target.account && checkable(a))) {
      const message = `${accountTitle(provider.id, target.account)} has no API key ${provider.label} can check.`;
      throw new Fault('not-found', message, 'Check Key works on API keys of providers with a models endpoint.');
    }
    await this.checkKey(provider, target.account);
  }

  /** Asks the provider's models endpoint whether it takes the stored key; logs only the outcome. */
  private async checkKey(provider: ProviderInfo, account: string): Promise<void> {
    const credential = this.deps.vault.credential(provider.id, account);
    if (credential?.type !== 'api_key' && credential?.type !== 'ref') return;
    const base = this.deps.vault.request(provider.id, account)?.baseUrl ?? this.deps.testRoute?.(provider.id);
    const title = `Checking the ${provider.label} key of "${account}"…`;
    // A key kept in a password manager is read at this moment (from memory within its lifetime).
    const key = async () => (credential.type === 'ref' ? this.readRef(credential.ref) : credential.key);
    const check = async () => checkKey(provider.id, await key(), this.deps.http(), base);
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, check);
    this.deps.log.info(`Key check ${provider.id}/${account}: ${r.result}.`);
    if (r.result === 'accepted') return void vscode.window.showInformationMessage(r.message);
    if (r.result === 'unknown') {
      // A warning with Try Again: an answer that says nothing (offline, a 5xx) is worth asking again.
      const again = await vscode.window.showWarningMessage(r.message, 'Try Again');
      if (again) await this.checkKey(provider, account);
      return;
    }
    const again = await vscode.window.showWarningMessage(r.message, 'Sign In Again');
    if (!again) return;
    const target = { provider: provider.id, account };
    await vscode.commands.executeCommand('piAccounts.signInAgain', target).then(undefined, () => undefined);
  }

  /** New tokens for an account whose sign-in expired or was revoked; the account keeps its name. */
  async signInAgain(arg?: unknown): Promise<void> {
    const given = targetOf(arg, accountArgs, 'Sign In Again');
    const target = await this.accountOf(
      given,
      'Sign In Again: which account?',
      (a) => a.kind !== 'env' || a.needsSignIn,
    );
    const provider = requireProvider(target.provider);
    // A key the provider refused (the model bridge marks those) is replaced by a new key, keeping
    // the values stored beside it; a browser or device account signs in again.
    const current = this.deps.vault.credential(provider.id, target.account);
    const title = `Pi Accounts: New Key for ${provider.label} / ${target.account}`;
    const credential: Credential =
      current?.type === 'api_key'
        ? { ...current, key: requireApiKey(await askKey(provider, title), provider.label) }
        : current?.type === 'ref'
          ? { ...current, ...(await this.refCredential(provider, await askRef(provider, await toolsOnPath(), title))) }
          : await this.login(provider);
    await this.deps.vault.updateCredential(provider.id, target.account, credential);
    void this.deps.afterSignIn?.(provider.id, target.account, credential);
    this.deps.log.info(`Signed in again: ${provider.id}/${target.account}.`);
    void vscode.window.showInformationMessage(`${provider.label} / ${target.account} is signed in again.`);
  }

  /** By hand: make this account the one terminals, auth.json and sessions use. */
  async useAccount(arg?: unknown): Promise<void> {
    const target = await this.accountOf(targetOf(arg, accountArgs, 'Use Account'), 'Use This Account: which account?');
    const provider = requireProvider(target.provider);
    if (!this.deps.vault.accounts(provider.id).some((a) => a.name === target.account)) {
      const message = `${provider.label} has no account named "${target.account}".`;
      throw new Fault('not-found', message, 'Open the Accounts view to see which accounts exist.');
    }
    const already = this.deps.rotation.inUse(provider.id)?.name === target.account;
    await this.deps.rotation.use(provider.id, target.account);
    this.deps.log.info(`In use for ${provider.id}: ${target.account}.`);
    const now = already ? 'already' : 'now';
    void vscode.window.showInformationMessage(`${provider.label}: ${now} using "${target.account}".`);
  }

  /** Base URL and extra headers for one account; blank clears them. */
  async setRequestSettings(arg?: unknown): Promise<void> {
    const args = targetOf(arg, requestSettingsArgs, 'Set Base URL and Headers');
    const target = await this.accountOf(args, 'Set Base URL and Headers: which account?');
    const provider = requireProvider(target.provider);
    // With baseUrl in the arguments there are no prompts; either way the same checks apply.
    const given =
      args && 'baseUrl' in args ? { baseUrl: args.baseUrl ?? '', headers: formatHeaders(args.headers) } : undefined;
    const current = this.deps.vault.request(provider.id, target.account);
    const { baseUrl, headers } = given ?? (await askRequestSettings(provider, target.account, current));
    const overrides = requireRequestSettings(baseUrl, headers);
    await this.deps.vault.setRequest(provider.id, target.account, overrides);
    const count = Object.keys(overrides?.headers ?? {}).length;
    const id = `${provider.id}/${target.account}`; // logs keep ids
    this.deps.log.info(`Request settings of ${id}: base URL ${overrides?.baseUrl ?? 'none'}, ${count} header(s).`);
    void vscode.window.showInformationMessage(`${provider.label} / ${target.account}: base URL and headers saved.`);
  }

  async nextAccount(arg?: unknown): Promise<void> {
    const args = targetOf(arg, accountArgs, 'Next Account');
    const provider = requireProvider(
      args?.provider ?? (await pickProviderWithAccounts(this.deps.vault, this.deps.rotation)),
    );
    if (this.deps.vault.accounts(provider.id).length < 2) {
      const message = `${provider.label} has only one account: there is no next one to switch to.`;
      throw new Fault('not-found', message, 'Sign in with a second account first.', { signIn: provider.id });
    }
    const before = this.deps.rotation.inUse(provider.id)?.name;
    const name = await this.deps.rotation.next(provider.id);
    if (!name || name === before) {
      const next = 'Sign in with another account, or wait until one is no longer resting.';
      throw new Fault('not-found', `${provider.label} has no other usable account.`, next);
    }
    void vscode.window.showInformationMessage(`${provider.label}: now using "${name}".`);
  }

  /** By hand: usage now, with progress; says when there is none to read and when reading failed. */
  async refreshUsage(arg?: unknown): Promise<void> {
    const args = targetOf(arg, accountArgs, 'Refresh Usage');
    const targets = this.deps.usage
      .targets(args?.provider)
      .filter((t) => args?.account === undefined || t.account === args.account);
    const accounts = `account${targets.length === 1 ? '' : 's'}`;
    if (!targets.length) return void vscode.window.showInformationMessage(noUsageFigures(args));
    const started = Date.now();
    const refresh = () => this.deps.usage.refresh({ force: true, provider: args?.provider, account: args?.account });
    const title = `Reading usage of ${targets.length} ${accounts}…`;
    const location = vscode.ProgressLocation.Notification;
    const notified = () => vscode.window.withProgress({ location, title }, refresh);
    await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, notified);
    const failed = targets.flatMap((t) => {
      const problem = this.deps.usage.entry(t.provider, t.account)?.problem;
      if (!problem || problem.at < started) return [];
      return [`${requireProvider(t.provider).label} / ${t.account}: ${problem.message}`];
    });
    if (!failed.length) {
      return void vscode.window.setStatusBarMessage(`$(check) Usage read for ${targets.length} ${accounts}.`, 4000);
    }
    const count = `${failed.length} of ${targets.length} ${accounts}`;
    const message = `Usage could not be read for ${count}. ${failed.join(' ')}`;
    const again = await vscode.window.showWarningMessage(message, 'Try Again', 'Show Log');
    if (again === 'Try Again') await this.refreshUsage(arg);
    if (again === 'Show Log') this.deps.log.show();
  }

  private login(provider: ProviderInfo) {
    const oauth = this.deps.oauth(provider.id);
    if (!oauth) {
      const message = `${provider.label} has no browser sign-in.`;
      throw new Fault('unknown-provider', message, 'Sign in with an API key instead.');
    }
    const kind = provider.signIn.find((k) => k !== 'apiKey');
    const label = (kind && provider.signInLabels?.[kind]) ?? provider.label;
    return runSignInFlow(oauth, label, this.deps.http(), provider.promptCheck, 3, (m) => this.deps.log.info(m));
  }

  async signOut(arg?: unknown): Promise<void> {
    const fromView = isRow(arg);
    const args = targetOf(arg, accountArgs, 'Sign Out');
    const target = args ?? (await pickSignOutTarget(this.deps.vault, this.deps.rotation));
    const provider = requireProvider(target.provider);
    if (target.account) {
      const detail =
        "Its key is deleted from VS Code and its entry removed from pi's auth.json (if Pi Accounts wrote it).";
      if (fromView || !args) await confirmSignOut(`Sign out of ${provider.label} / ${target.account}?`, detail);
      await this.deps.vault.remove(provider.id, target.account);
      this.deps.log.info(`Signed out: ${provider.id}/${target.account}.`);
      void vscode.window.showInformationMessage(`Signed out of ${provider.label} / ${target.account}.`);
      return;
    }
    const n = this.deps.vault.accounts(provider.id).length;
    const all = `Sign out of all ${n} ${provider.label} account${n === 1 ? '' : 's'}?`;
    const asked = args && 'confirm' in args ? args.confirm : undefined;
    if (asked !== false || fromView) await confirmSignOut(all, 'Their keys are deleted from VS Code.');
    await this.deps.vault.removeProvider(provider.id);
    this.deps.log.info(`Signed out of every ${provider.id} account (${n}).`);
    void vscode.window.showInformationMessage(`Signed out of ${n} ${provider.label} account${n === 1 ? '' : 's'}.`);
  }

  /** The account a command acts on: the one its argument or view row names, else the one the person picks. */
  private async accountOf(given: Target | undefined, title: string, filter = anyAccount): Promise<AccountTarget> {
    if (given?.account) return { provider: given.provider, account: given.account };
    return pickAccount(this.deps.vault, this.deps.rotation, title, given?.provider, filter);
  }
}

const anyAccount = (_: AccountInfo) => true;
const isRow = (arg: unknown) => arg instanceof AccountNode || arg instanceof ProviderNode;

/** The credential sign-in form `index` of the provider makes of `values`. */
function formCredential(args: { provider: string; form?: number }, values: Record<string, string>) {
  const { provider, form: index } = args;
  const form = requireProvider(provider).forms?.[index ?? 0];
  if (!form) {
    const message = `${requireProvider(provider).label} has no sign-in form ${index ?? 0}.`;
    throw new Fault('invalid-arguments', message, 'Pass { provider, account, key } for providers with a single key.');
  }
  return credentialFromForm(form, values);
}
