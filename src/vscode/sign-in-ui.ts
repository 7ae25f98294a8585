import * as vscode from 'vscode';
import { accountNameProblem, apiKeyProblem, keyTail, type Credential } from '../core/credentials';
import { credentialFromForm, type SignInForm } from '../core/providers/forms';
import { aborted } from '../core/faults';
import { keyShapeWarning } from '../core/key-check';
import { PROVIDERS, requireProvider, type ProviderInfo, type SignInKind } from '../core/providers/directory';
import type { Vault } from '../core/vault';
import { afterWalkthroughFocus } from './walkthrough-focus';

/** What the palette flow gathered: an API key, or the go-ahead for a browser/device sign-in. */
export type SignInRequest =
  | { readonly kind: 'apiKey'; readonly provider: string; readonly account: string; readonly key: string }
  | { readonly kind: 'form'; readonly provider: string; readonly account: string; readonly credential: Credential }
  | { readonly kind: 'browser' | 'device'; readonly provider: string; readonly account: string };

const RECENT_KEY = 'piAccounts.recentProviders';

/** Provider ids the person signed in to lately (ids only: nothing secret in globalState). */
export class RecentProviders {
  constructor(private readonly memento: vscode.Memento) {}

  list(): string[] {
    return this.memento.get<string[]>(RECENT_KEY, []);
  }

  async touch(id: string): Promise<void> {
    await this.memento.update(RECENT_KEY, [id, ...this.list().filter((x) => x !== id)].slice(0, 5));
  }
}

interface ProviderItem extends vscode.QuickPickItem {
  provider?: ProviderInfo;
  way?: SignInKind;
}

const KIND_TEXT: Record<SignInKind, string> = {
  apiKey: '$(key) paste an API key',
  browser: '$(globe) sign in with the browser',
  device: '$(device-mobile) sign in with a device code',
};

/**
 * The palette flow: provider and way of signing in (one item each, so "claude" finds the
 * subscription sign-in at once) → account name → key. Escape at any step throws `aborted`;
 * a browser/device sign-in runs after this, with nothing stored until it succeeds.
 */
export async function promptSignIn(
  vault: Vault,
  recent: RecentProviders,
  presetProvider?: string,
): Promise<SignInRequest> {
  const preset = presetProvider ? requireProvider(presetProvider) : undefined;
  await afterWalkthroughFocus(); // run from the palette over the walkthrough: the picker keeps the keyboard
  const [provider, kind] =
    preset && preset.signIn.length === 1 ? [preset, preset.signIn[0]] : await pickProvider(vault, recent, preset);
  const account = await askAccountName(vault, provider);
  if (kind !== 'apiKey') return { kind, provider: provider.id, account };
  const forms = provider.forms;
  if (forms) return { kind: 'form', provider: provider.id, account, credential: await askForm(provider, forms) };
  const key = (await keyFromEnvironment(provider)) ?? (await askKey(provider));
  return { kind, provider: provider.id, account, key };
}

async function pickProvider(
  vault: Vault,
  recent: RecentProviders,
  only?: ProviderInfo,
): Promise<[ProviderInfo, SignInKind]> {
  const all = only ? [only] : PROVIDERS;
  const recentIds = only ? [] : recent.list().filter((id) => all.some((p) => p.id === id));
  const items = (p: ProviderInfo): ProviderItem[] => {
    return p.signIn.map((kind) => {
      // Counted per way of signing in: "1 account signed in" under both Anthropic items misleads.
      const n = vault.accounts(p.id).filter((a) => (kind === 'apiKey') === (a.kind !== 'oauth')).length;
      return {
        label: p.signInLabels?.[kind] ?? p.label,
        // pi-ai's own login label where it has one ("Sign in with ChatGPT").
        description: [p.id, (kind !== 'apiKey' && p.pi?.oauth?.loginLabel) || KIND_TEXT[kind]].join('  '),
        detail: n ? `${n} account${n > 1 ? 's' : ''} signed in` : undefined,
        provider: p,
        way: kind,
      };
    });
  };
  const list: ProviderItem[] = [];
  if (recentIds.length) {
    list.push({ label: 'recently used', kind: vscode.QuickPickItemKind.Separator });
    list.push(...recentIds.flatMap((id) => items(requireProvider(id))));
    list.push({ label: 'all providers', kind: vscode.QuickPickItemKind.Separator });
  }
  list.push(...all.filter((p) => !recentIds.includes(p.id)).flatMap(items));
  const picked = await vscode.window.showQuickPick(list, {
    title: only ? `Pi Accounts: Sign In to ${only.label} (1/3)` : 'Pi Accounts: Sign In (1/3)',
    placeHolder: only ? 'Choose how to sign in' : 'Choose a provider (type to search by name or id)',
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!picked?.provider || !picked.way) throw aborted();
  return [picked.provider, picked.way];
}

async function askAccountName(vault: Vault, provider: ProviderInfo): Promise<string> {
  const taken = new Set(vault.accounts(provider.id).map((a) => a.name));
  const name = await vscode.window.showInputBox({
    title: `Pi Accounts: Sign In to ${provider.label} (2/3)`,
    prompt: 'Account name: letters, digits, "-" and "_", at most 50 characters',
    value: taken.has('default') ? '' : 'default',
    ignoreFocusOut: true,
    validateInput: (v) =>
      accountNameProblem(v) ?? (taken.has(v) ? `${provider.label} already has an account named "${v}".` : undefined),
  });
  if (name === undefined) throw aborted();
  return name;
}

/** If VS Code was started with the provider's variable set, offer that value instead of typing. */
async function keyFromEnvironment(provider: ProviderInfo): Promise<string | undefined> {
  const found = provider.envVars
    .map((variable) => ({ variable, value: process.env[variable]?.trim() ?? '' }))
    .filter((e) => e.value && !apiKeyProblem(e.value));
  if (found.length === 0) return undefined;
  type Item = vscode.QuickPickItem & { value?: string };
  const items: Item[] = [
    ...found.map((e) => ({
      label: `$(terminal) Use $${e.variable}`,
      description: keyTail(e.value),
      detail: 'The value VS Code was started with',
      value: e.value,
    })),
    { label: '$(key) Enter a key' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Pi Accounts: Sign In to ${provider.label} (3/3)`,
    ignoreFocusOut: true,
  });
  if (!picked) throw aborted();
  return picked.value;
}

/** Several values (Bedrock, Vertex, Azure, Cloudflare): which kind, then each value, checked as typed. */
async function askForm(provider: ProviderInfo, forms: readonly SignInForm[]): Promise<Credential> {
  const title = `Pi Accounts: Sign In to ${provider.label} (3/3)`;
  let form = forms[0];
  if (forms.length > 1) {
    const picked = await vscode.window.showQuickPick(
      forms.map((f) => ({ label: f.label, detail: f.detail, f })),
      { title, placeHolder: 'How do you sign in?', ignoreFocusOut: true },
    );
    if (!picked) throw aborted();
    form = picked.f;
  }
  const answers: Record<string, string> = {};
  for (const field of [...(form.key ? [form.key] : []), ...form.fields]) {
    const value = await vscode.window.showInputBox({
      title: `${title}: ${form.label}`,
      prompt: `${field.label}${field.secret ? " (kept in VS Code's secret storage)" : ''}`,
      placeHolder: field.placeholder,
      password: field.secret,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length === 0 ? undefined : field.check?.(v)),
    });
    if (value === undefined) throw aborted();
    answers[field.variable] = value;
  }
  return credentialFromForm(form, answers);
}

export async function askKey(
  provider: ProviderInfo,
  title = `Pi Accounts: Sign In to ${provider.label} (3/3)`,
): Promise<string> {
  const box = vscode.window.createInputBox();
  box.title = title;
  box.prompt = `Paste your ${provider.label} API key. It is kept in VS Code's secret storage.`;
  box.password = true;
  box.ignoreFocusOut = true;
  // The key page as a button: an address in a prompt cannot be clicked.
  const keyPage = provider.keyUrl
    ? { iconPath: new vscode.ThemeIcon('link-external'), tooltip: `Create a key at ${provider.keyUrl}` }
    : undefined;
  if (keyPage) box.buttons = [keyPage];
  // A key shaped like another provider's is a warning, not a refusal: it can still be saved.
  const check = (v: string) => {
    const warning = v.length === 0 ? undefined : keyShapeWarning(provider.id, v);
    const problem = v.length === 0 ? undefined : apiKeyProblem(v);
    box.validationMessage =
      problem ?? (warning ? { message: warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined);
    return problem;
  };
  try {
    return await new Promise<string>((resolve, reject) => {
      box.onDidChangeValue(check);
      box.onDidTriggerButton(() => void vscode.env.openExternal(vscode.Uri.parse(provider.keyUrl!)));
      box.onDidAccept(() => {
        // Enter on an empty box says why nothing happens, instead of nothing.
        if (box.value.length === 0) box.validationMessage = 'Paste the key first, or press Escape to cancel.';
        else if (!check(box.value)) resolve(box.value);
      });
      box.onDidHide(() => reject(aborted()));
      box.show();
    });
  } finally {
    box.dispose();
  }
}
