import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { requireApiKey, type Credential } from '../core/credentials';
import type { HttpOptions } from '../core/http';
import { aborted, Fault, isFault } from '../core/faults';
import { canCheckKey, checkKey } from '../core/key-check';
import type { Log } from './log';
import type { OAuthProvider } from '../core/oauth/provider';
import type { QuotaService } from '../core/quota/quota-service';
import type { Rotation } from '../core/rotation/rotation';
import { requireProvider, type ProviderInfo } from '../core/providers/directory';
import type { AccountInfo, Vault } from '../core/vault';
import { AccountNode, kindLabel, ProviderNode, VIEW_ID } from './accounts-view';
import { showFault } from './faults-ui';
import type { MirrorSync } from './mirror-sync';
import { importFromEnvironment } from './env-import';
import { runLogin } from './login-ui';
import { askOverrides, formatHeaders } from './overrides-ui';
import { askKey, promptSignIn, type RecentProviders, type SignInRequest } from './sign-in-ui';
import { requireOverrides } from '../core/overrides';
import { credentialFromForm, FORMS } from '../core/providers/forms';

// Argument objects let keybindings, other extensions and tests run the commands without prompts.
const signInArgs = z.object({ provider: z.string(), account: z.optional(z.string()), key: z.optional(z.string()), values: z.optional(z.record(z.string(), z.string())), form: z.optional(z.number()) });
const accountArgs = z.object({ provider: z.string(), account: z.optional(z.string()), confirm: z.optional(z.boolean()) });
const overrideArgs = z.object({ provider: z.string(), account: z.optional(z.string()), baseUrl: z.optional(z.string()), headers: z.optional(z.record(z.string(), z.string())) });

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
  readonly quota: QuotaService;
  /** Background work after a browser/device sign-in (Copilot: enabling its models). Never throws. */
  readonly afterSignIn?: (provider: string, account: string, credential: Credential) => Promise<void>;
  /** Where a provider's models endpoint is (tests: a loopback emulator); else the built-in one. */
  readonly modelsBaseUrl?: (provider: string) => string | undefined;
  /** The Accounts view's selected row. */
  readonly selected: () => AccountNode | ProviderNode | undefined;
}

function parseArgs<T>(schema: z.ZodMiniType<T>, arg: unknown, command: string): T | undefined {
  if (arg === undefined || arg === null) return undefined;
  const r = schema.safeParse(arg);
  if (!r.success) throw new Fault('invalid-account', `Pi Accounts: ${command} got arguments it does not understand.`, 'Pass { provider, account } (and key for sign-in).');
  return r.data;
}

export class Commands {
  constructor(private readonly d: CommandDeps) {}

  register(): vscode.Disposable[] {
    const c = (id: string, fn: (arg: unknown) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async (arg: unknown) => {
        try {
          await this.d.ready;
          return await fn(arg);
        } catch (e) {
          const fromCode = arg !== undefined && !(arg instanceof ProviderNode) && !(arg instanceof AccountNode);
          // Not awaited: the notification stays until someone closes it, and a calling
          // extension must get its rejection now, not then.
          if (!isFault(e, 'aborted')) void showFault(e, this.d.log, () => vscode.commands.executeCommand(id, arg));
          if (fromCode) throw this.d.log.redactor.fault(e); // another extension gets it: redacted, bounded
          return undefined;
        }
      });
    return [
      c('piAccounts.signIn', (arg) => this.signIn(arg)),
      c('piAccounts.addAccount', (arg) => this.signIn(arg instanceof ProviderNode ? { provider: arg.provider } : arg)),
      c('piAccounts.signOut', (arg) => this.signOut(arg)),
      c('piAccounts.signOutAll', (arg) => this.signOut(arg instanceof ProviderNode ? { provider: arg.provider } : arg)),
      // The old name of Use This Account, kept for callers that pass arguments.
      c('piAccounts.setDefault', (arg) => this.useAccount(arg)),
      c('piAccounts.signInAgain', (arg) => this.signInAgain(arg)),
      c('piAccounts.useAccount', (arg) => this.useAccount(arg)),
      c('piAccounts.setOverrides', (arg) => this.setOverrides(arg)),
      c('piAccounts.nextAccount', (arg) => this.nextAccount(arg)),
      c('piAccounts.refreshQuota', (arg) => this.refreshQuota(arg)),
      c('piAccounts.refresh', async () => {
        await this.d.vault.load('external');
        this.d.refreshView();
      }),
      c('piAccounts.importFromPi', () => this.d.mirror.importFromPi()),
      c('piAccounts.importFromEnvironment', () => importFromEnvironment(this.d.vault, this.d.log)),
      c('piAccounts.openAuthFile', () => this.openAuthFile()),
      c('piAccounts.showLog', async () => this.d.log.show()),
      c('piAccounts.manageTrust', async () => vscode.commands.executeCommand('workbench.trust.manage')),
      // Keybindings in the view (Enter, Delete) act on the row the person is on.
      c('piAccounts.useSelected', () => this.onSelected((n) => this.useAccount(n))),
      c('piAccounts.signOutSelected', () => this.onSelected((n) => this.signOut(n))),
    ];
  }

  private async onSelected(run: (node: AccountNode) => Promise<void>): Promise<void> {
    const node = this.d.selected();
    if (node instanceof AccountNode) await run(node);
  }

  private async openAuthFile(): Promise<void> {
    const path = this.d.authPath();
    if (!existsSync(path)) {
      void vscode.window.showInformationMessage(`pi's auth.json does not exist yet (${path}). It is created when you sign in, or when you run pi's /login.`);
      return;
    }
    // The file holds every key in plain text, and an open editor is visible to chat and other
    // extensions (chat may attach it to its input by itself): ask first.
    const ok = await vscode.window.showWarningMessage(
      "pi's auth.json shows your keys in plain text.",
      { modal: true, detail: `Anyone who sees your screen can read them, and chat or other extensions can read an open editor. Close it when you are done.\n\n${path}` },
      'Open Anyway',
    );
    if (ok !== 'Open Anyway') throw aborted();
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true });
  }

  /** Returns the new account (never its key); a cancelled prompt throws `aborted`. */
  async signIn(arg?: unknown): Promise<AccountInfo> {
    const args = parseArgs(signInArgs, arg, 'Sign In');
    // With a key in the arguments there are no prompts; either way the same checks apply below.
    const req: SignInRequest = args?.key !== undefined ? { kind: 'apiKey', provider: args.provider, account: args.account ?? 'default', key: args.key } : args?.values ? { kind: 'form', provider: args.provider, account: args.account ?? 'default', credential: credentialFromForm(formOf(args.provider, args.form ?? 0), args.values) } : await promptSignIn(this.d.vault, this.d.recent, args?.provider);
    const provider = requireProvider(req.provider);
    // Everything the person is asked for, and the whole browser/device flow, comes before the
    // vault is touched: a sign-in cancelled or failed half-way stores nothing.
    const credential: Credential = req.kind === 'apiKey' ? { type: 'api_key', key: requireApiKey(req.key, provider.label) } : req.kind === 'form' ? req.credential : await this.login(provider);
    const account = await this.d.vault.add(provider.id, req.account, credential); // the vault checks the name
    void this.d.afterSignIn?.(provider.id, account.name, credential);
    await this.d.recent.touch(provider.id);
    const how = credential.type === 'oauth' ? 'browser sign-in' : credential.type === 'env' ? `settings ${Object.keys(credential.vars).join(', ')}` : `api key ${account.keyTail}`;
    const inUse = this.d.rotation.active(provider.id)?.name === account.name;
    this.d.log.info(`Signed in: ${provider.id}/${account.name} (${how})${inUse ? ', in use' : ''}.`);
    // The key check is offered, never forced: saving does not wait on the network.
    const check = credential.type === 'api_key' && canCheckKey(provider.id) ? ['Check Key'] : [];
    void vscode.window
      .showInformationMessage(`Signed in to ${req.kind === 'apiKey' || req.kind === 'form' ? provider.label : (provider.signInLabels?.[req.kind] ?? provider.label)} as "${account.name}"${inUse ? ' (in use)' : ''}.`, ...check)
      .then((choice) => (choice ? this.checkKey(provider, account.name) : undefined))
      .then(undefined, (e) => showFault(e, this.d.log));
    return account;
  }

  /** Asks the provider's models endpoint whether it takes the stored key; logs only the outcome. */
  private async checkKey(provider: ProviderInfo, account: string): Promise<void> {
    const credential = this.d.vault.credential(provider.id, account);
    if (credential?.type !== 'api_key') return;
    const base = this.d.vault.request(provider.id, account)?.baseUrl ?? this.d.modelsBaseUrl?.(provider.id);
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking the ${provider.label} key of "${account}"…` }, () => checkKey(provider.id, credential.key, this.d.http(), base));
    this.d.log.info(`Key check ${provider.id}/${account}: ${r.result}.`);
    if (r.result !== 'refused') return void vscode.window.showInformationMessage(r.message);
    const again = await vscode.window.showWarningMessage(r.message, 'Sign In Again');
    if (again) await vscode.commands.executeCommand('piAccounts.signInAgain', { provider: provider.id, account }).then(undefined, () => undefined);
  }

  /** New tokens for an account whose sign-in expired or was revoked; the account keeps its name. */
  async signInAgain(arg?: unknown): Promise<void> {
    const args = arg instanceof AccountNode ? { provider: arg.provider, account: arg.account } : parseArgs(accountArgs, arg, 'Sign In Again');
    const target = args?.account ? { provider: args.provider, account: args.account } : await this.pickAccount('Sign in again', args?.provider, (a) => a.kind !== 'env' || a.needsSignIn);
    const provider = requireProvider(target.provider);
    // A key the provider refused (the model bridge marks those) is replaced by a new key, keeping
    // the values stored beside it; a browser or device account signs in again.
    const current = this.d.vault.credential(provider.id, target.account);
    const credential: Credential = current?.type === 'api_key' ? { ...current, key: requireApiKey(await askKey(provider, `Pi Accounts: New Key for ${provider.label} / ${target.account}`), provider.label) } : await this.login(provider);
    await this.d.vault.updateCredential(provider.id, target.account, credential);
    void this.d.afterSignIn?.(provider.id, target.account, credential);
    this.d.log.info(`Signed in again: ${provider.id}/${target.account}.`);
    void vscode.window.showInformationMessage(`${provider.label} / ${target.account} is signed in again.`);
  }

  /** By hand: make this account the one terminals, auth.json and sessions use. */
  async useAccount(arg?: unknown): Promise<void> {
    const args = arg instanceof AccountNode ? { provider: arg.provider, account: arg.account } : parseArgs(accountArgs, arg, 'Use Account');
    const target = args?.account ? { provider: args.provider, account: args.account } : await this.pickAccount('Use which account?', args?.provider, () => true);
    const provider = requireProvider(target.provider);
    if (!this.d.vault.accounts(provider.id).some((a) => a.name === target.account)) throw new Fault('not-found', `${provider.label} has no account named "${target.account}".`, 'Open the Accounts view to see which accounts exist.');
    const already = this.d.rotation.active(provider.id)?.name === target.account;
    await this.d.rotation.use(provider.id, target.account);
    this.d.log.info(`In use for ${provider.id}: ${target.account}.`);
    void vscode.window.showInformationMessage(`${provider.label}: ${already ? 'already' : 'now'} using "${target.account}".`);
  }

  /** Base URL and extra headers for one account; blank clears them. */
  async setOverrides(arg?: unknown): Promise<void> {
    const args = arg instanceof AccountNode ? { provider: arg.provider, account: arg.account } : parseArgs(overrideArgs, arg, 'Set Base URL and Headers');
    const target = args?.account ? { provider: args.provider, account: args.account } : await this.pickAccount('Set base URL and headers for', args?.provider, () => true);
    const provider = requireProvider(target.provider);
    // With baseUrl in the arguments there are no prompts; either way the same checks apply.
    const given = args && 'baseUrl' in args ? { baseUrl: args.baseUrl ?? '', headers: formatHeaders(args.headers) } : undefined;
    const { baseUrl, headers } = given ?? (await askOverrides(provider, target.account, this.d.vault.request(provider.id, target.account)));
    const overrides = requireOverrides(baseUrl, headers);
    await this.d.vault.setRequest(provider.id, target.account, overrides);
    this.d.log.info(`Overrides of ${provider.id}/${target.account}: base URL ${overrides?.baseUrl ?? 'none'}, ${Object.keys(overrides?.headers ?? {}).length} header(s).`);
    void vscode.window.showInformationMessage(`${provider.label} / ${target.account}: base URL and headers saved.`);
  }

  async nextAccount(arg?: unknown): Promise<void> {
    const args = arg instanceof ProviderNode ? { provider: arg.provider } : parseArgs(accountArgs, arg, 'Next Account');
    const id = args?.provider ?? (await this.pickProviderWithAccounts());
    const provider = requireProvider(id);
    const name = await this.d.rotation.next(provider.id);
    if (!name) throw new Fault('not-found', `${provider.label} has no other usable account.`, 'Sign in with another account, or wait until one is no longer resting.');
    void vscode.window.showInformationMessage(`${provider.label}: now using "${name}".`);
  }

  /** By hand: usage now, with progress; says when there is none to read and when reading failed. */
  async refreshQuota(arg?: unknown): Promise<void> {
    const args = arg instanceof AccountNode || arg instanceof ProviderNode ? { provider: arg.provider, account: arg instanceof AccountNode ? arg.account : undefined } : parseArgs(accountArgs, arg, 'Refresh Quota');
    const targets = this.d.quota.targets(args?.provider).filter((t) => args?.account === undefined || t.account === args.account);
    if (!targets.length) {
      const what = args?.account ? `${requireProvider(args.provider).label} / ${args.account}` : args?.provider ? `${requireProvider(args.provider).label}` : 'None of your accounts';
      void vscode.window.showInformationMessage(`${what} ${args?.provider ? 'has' : 'have'} no usage figures to read. Providers report usage only for subscription sign-ins (Claude Pro/Max, ChatGPT Plus/Pro, GitHub Copilot), not for API keys: an API key's spend is on the provider's dashboard.`);
      return;
    }
    const started = Date.now();
    await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading usage of ${targets.length} account${targets.length === 1 ? '' : 's'}…` }, () => this.d.quota.refresh({ force: true, provider: args?.provider, account: args?.account })),
    );
    const failed = targets.flatMap((t) => {
      const problem = this.d.quota.entry(t.provider, t.account)?.problem;
      return problem && problem.at >= started ? [`${requireProvider(t.provider).label} / ${t.account}: ${problem.message}`] : [];
    });
    if (!failed.length) return void vscode.window.setStatusBarMessage(`$(check) Usage read for ${targets.length} account${targets.length === 1 ? '' : 's'}.`, 4000);
    const again = await vscode.window.showWarningMessage(`Usage could not be read for ${failed.length} of ${targets.length} account${targets.length === 1 ? '' : 's'}. ${failed.join(' ')}`, 'Try Again', 'Show Log');
    if (again === 'Try Again') await this.refreshQuota(arg);
    if (again === 'Show Log') this.d.log.show();
  }

  private async pickProviderWithAccounts(): Promise<string> {
    const ids = this.d.vault.providers().filter((p) => this.d.vault.accounts(p).length > 1);
    if (!ids.length) throw new Fault('not-found', 'No provider has more than one account.', 'Sign in with a second account first.');
    if (ids.length === 1) return ids[0];
    const picked = await vscode.window.showQuickPick(ids.map((id) => ({ label: requireProvider(id).label, description: `using ${this.d.rotation.active(id)?.name ?? '—'}`, id })), { title: 'Pi Accounts: Next Account' });
    if (!picked) throw aborted();
    return picked.id;
  }

  private login(provider: ProviderInfo) {
    const oauth = this.d.oauth(provider.id);
    if (!oauth) throw new Fault('unknown-provider', `${provider.label} has no browser sign-in.`, 'Sign in with an API key instead.');
    return runLogin(oauth, provider.signInLabels?.browser ?? provider.label, this.d.http());
  }

  async signOut(arg?: unknown): Promise<void> {
    const fromView = arg instanceof AccountNode || arg instanceof ProviderNode;
    const args = fromView ? { provider: arg.provider, account: arg instanceof AccountNode ? arg.account : undefined } : parseArgs(accountArgs, arg, 'Sign Out');
    const target = args ?? (await this.pickSignOutTarget());
    const provider = requireProvider(target.provider);
    if (target.account) {
      if (fromView || !args) await confirm(`Sign out of ${provider.label} / ${target.account}?`, 'Its key is deleted from VS Code and its entry removed from pi\'s auth.json (if Pi Accounts wrote it).');
      await this.d.vault.remove(provider.id, target.account);
      this.d.log.info(`Signed out: ${provider.id}/${target.account}.`);
      void vscode.window.showInformationMessage(`Signed out of ${provider.label} / ${target.account}.`);
      return;
    }
    const n = this.d.vault.accounts(provider.id).length;
    if (args?.confirm !== false || fromView) await confirm(`Sign out of all ${n} ${provider.label} account${n === 1 ? '' : 's'}?`, 'Their keys are deleted from VS Code.');
    await this.d.vault.removeProvider(provider.id);
    this.d.log.info(`Signed out of every ${provider.id} account (${n}).`);
    void vscode.window.showInformationMessage(`Signed out of ${n} ${provider.label} account${n === 1 ? '' : 's'}.`);
  }

  private async pickSignOutTarget(): Promise<{ provider: string; account?: string }> {
    type Item = vscode.QuickPickItem & { provider?: string; account?: string };
    const items: Item[] = [];
    for (const id of this.d.vault.providers()) {
      const p = requireProvider(id);
      const accounts = this.d.vault.accounts(id);
      items.push({ label: p.label, kind: vscode.QuickPickItemKind.Separator });
      for (const a of accounts) items.push({ label: a.name, description: this.inUse(a) ? 'in use' : undefined, detail: `${p.label} · ${kindText(a)}`, provider: id, account: a.name });
      if (accounts.length > 1) items.push({ label: `$(trash) All ${p.label} accounts`, provider: id });
    }
    if (!items.length) throw noAccounts();
    const picked = await vscode.window.showQuickPick(items, { title: 'Pi Accounts: Sign Out', placeHolder: 'Choose an account to sign out of' });
    if (!picked?.provider) throw aborted();
    return { provider: picked.provider, account: picked.account };
  }

  private inUse(a: AccountInfo): boolean {
    return this.d.rotation.active(a.provider)?.name === a.name;
  }

  private async pickAccount(title: string, provider: string | undefined, filter: (a: AccountInfo) => boolean) {
    const accounts = this.d.vault.accounts(provider).filter(filter);
    if (!accounts.length) throw noAccounts(provider);
    const picked = await vscode.window.showQuickPick(
      accounts.map((a) => ({ label: a.name, description: [requireProvider(a.provider).label, this.inUse(a) ? 'in use' : undefined, a.needsSignIn ? 'needs sign-in' : undefined].filter(Boolean).join(' · '), detail: kindText(a), a })),
      { title: `Pi Accounts: ${title}`, matchOnDescription: true },
    );
    if (!picked) throw aborted();
    return { provider: picked.a.provider, account: picked.a.name };
  }
}

const kindText = (a: AccountInfo) => (a.kind === 'api_key' ? `api key ${a.keyTail}` : a.kind === 'env' ? 'settings' : `${kindLabel(a)} sign-in`);

/** Nothing to act on: the error offers "Sign In" (faults-ui reads `signIn`). */
function noAccounts(provider?: string): Fault {
  const label = provider ? requireProvider(provider).label : undefined;
  return new Fault('not-found', label ? `You have no ${label} account yet.` : 'You have no accounts yet.', 'Sign in first.', { signIn: provider ?? 'any' });
}

function formOf(provider: string, index: number) {
  const form = FORMS[provider]?.[index];
  if (!form) throw new Fault('invalid-account', `${requireProvider(provider).label} has no sign-in form ${index}.`, 'Pass { provider, account, key } for providers with a single key.');
  return form;
}

async function confirm(message: string, detail: string): Promise<void> {
  const ok = await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Sign Out');
  if (ok !== 'Sign Out') throw aborted();
}
