import * as vscode from 'vscode';
import { accountNameProblem, apiKeyProblem, keyTail, type Credential } from '../core/credentials';
import { credentialFromForm, type SignInForm } from '../core/providers/forms';
import { aborted } from '../core/faults';
import { keyShapeWarning } from '../core/key-check';
import { PROVIDERS, requireProvider, type ProviderInfo, type SignInKind } from '../core/providers/directory';
import type { Vault } from '../core/vault';
import { toolsOnPath } from '../core/secret-reader';
import { parseRef, toolInfo, type SecretRef, type SecretTool } from '../core/secret-ref';
import { afterWalkthroughFocus } from './walkthrough-focus';

/** What the palette flow gathered: an API key, or the go-ahead for a browser/device sign-in. */
export type SignInRequest =
  | { readonly kind: 'apiKey'; readonly provider: string; readonly account: string; readonly key: string }
  | { readonly kind: 'form'; readonly provider: string; readonly account: string; readonly credential: Credential }
  /**
   * pi-ai's own API-key sign-in asks for the key (its `auth.apiKey.login`), after this; its key
   * box offers these password managers (the lock button).
   */
  | {
      readonly kind: 'piKey';
      readonly provider: string;
      readonly account: string;
      readonly managers: readonly SecretTool[];
    }
  | { readonly kind: 'browser' | 'device'; readonly provider: string; readonly account: string }
  /** A key kept in a password manager: the reference, read once at sign-in to check it. */
  | { readonly kind: 'ref'; readonly provider: string; readonly account: string; readonly ref: SecretRef };

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
  /** The name to offer (an account synced from another machine keeps its name). */
  presetName?: string,
): Promise<SignInRequest> {
  const preset = presetProvider ? requireProvider(presetProvider) : undefined;
  await afterWalkthroughFocus(); // run from the palette over the walkthrough: the picker keeps the keyboard
  const [provider, kind] =
    preset && preset.signIn.length === 1 ? [preset, preset.signIn[0]] : await pickProvider(vault, recent, preset);
  const account = await askAccountName(vault, provider, presetName);
  if (kind !== 'apiKey') return { kind, provider: provider.id, account };
  // Several values (Bedrock, Vertex, Azure, Cloudflare) keep our forms: each value is checked as
  // it is typed and Bedrock/Vertex can be values only (a profile, ADC), which pi-ai's logins
  // (1.6.1) do not check or offer in the same way.
  const forms = provider.forms;
  if (forms) return { kind: 'form', provider: provider.id, account, credential: await askForm(provider, forms) };
  const tools = await toolsOnPath().catch(() => [] as SecretTool[]);
  // Offered only where a password manager's program is on PATH (a command of one's own is always
  // among the choices once there is one).
  const managers = tools.some((t) => t !== 'command') ? tools : [];
  const found = await keyFromEnvironment(provider, managers);
  if (found === undefined && provider.pi?.apiKeyLogin)
    return { kind: 'piKey', provider: provider.id, account, managers };
  const key = found ?? (await askKey(provider, undefined, managers));
  if (key === FROM_MANAGER)
    return { kind: 'ref', provider: provider.id, account, ref: await askRef(provider, managers) };
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
        description: [
          p.id,
          (kind !== 'apiKey' && p.pi?.oauth?.loginLabel) || p.signInHints?.[kind] || KIND_TEXT[kind],
        ].join('  '),
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

async function askAccountName(vault: Vault, provider: ProviderInfo, preset?: string): Promise<string> {
  const taken = new Set(vault.accounts(provider.id).map((a) => a.name));
  const name = await vscode.window.showInputBox({
    title: `Pi Accounts: Sign In to ${provider.label} (2/3)`,
    prompt: 'Account name: letters, digits, "-" and "_", at most 50 characters',
    value: preset && !taken.has(preset) ? preset : taken.has('default') ? '' : 'default',
    ignoreFocusOut: true,
    validateInput: (v) =>
      accountNameProblem(v) ?? (taken.has(v) ? `${provider.label} already has an account named "${v}".` : undefined),
  });
  if (name === undefined) throw aborted();
  return name;
}

/** If VS Code was started with the provider's variable set, offer that value instead of typing. */
async function keyFromEnvironment(
  provider: ProviderInfo,
  managers: readonly SecretTool[],
): Promise<string | undefined> {
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
    ...(managers.length ? [{ label: `$(lock) ${FROM_MANAGER_LABEL}`, value: FROM_MANAGER }] : []),
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

/** What askKey returns when the person chose their password manager instead of pasting. */
export const FROM_MANAGER = '\0from-password-manager';
const FROM_MANAGER_LABEL = 'From my password manager…';

/** Which password manager (only those found on PATH), then the reference in it. */
export async function askRef(
  provider: ProviderInfo,
  tools: readonly SecretTool[],
  title = `Pi Accounts: Sign In to ${provider.label} (3/3)`,
): Promise<SecretRef> {
  const picked = await vscode.window.showQuickPick(
    tools.map((tool) => {
      const t = toolInfo(tool);
      return { label: t.label, description: t.program ? `${t.program} on PATH` : 'run by the shell, as pi does', tool };
    }),
    { title, placeHolder: 'Where is the key kept?', ignoreFocusOut: true },
  );
  if (!picked) throw aborted();
  const info = toolInfo(picked.tool);
  const prompts: Record<SecretTool, string> = {
    op: 'The 1Password secret reference (op://vault/item/field; "Copy Secret Reference" in the app)',
    pass: 'The pass entry (as in "pass show <entry>"; the key on its first line)',
    gopass: 'The gopass entry (as in "gopass show <entry>")',
    security: 'The Keychain item\'s service name (as in "security find-generic-password -s <service>")',
    bws: 'The Bitwarden Secrets Manager secret id',
    command: 'A command that prints the key (run by the shell; pi runs the same command)',
  };
  const raw = await vscode.window.showInputBox({
    title: `${title}: ${info.label}`,
    prompt: `${prompts[picked.tool]}. Only the reference is stored; the key is read when needed.`,
    placeHolder: info.placeholder,
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseRef(picked.tool, v);
      return 'problem' in r ? r.problem : undefined;
    },
  });
  if (raw === undefined) throw aborted();
  const r = parseRef(picked.tool, raw);
  if ('problem' in r) throw aborted();
  return r.ref;
}

export async function askKey(
  provider: ProviderInfo,
  title = `Pi Accounts: Sign In to ${provider.label} (3/3)`,
  managers: readonly SecretTool[] = [],
): Promise<string> {
  const box = vscode.window.createInputBox();
  box.title = title;
  box.prompt = `Paste your ${provider.label} API key. It is kept in VS Code's secret storage.`;
  try {
    return await new Promise<string>((resolve, reject) => {
      // The password manager as a button: the paste box stays the first thing shown, as before.
      const accept = keyBox(box, provider, managers.length ? () => resolve(FROM_MANAGER) : undefined);
      box.onDidAccept(() => {
        if (accept()) resolve(box.value);
      });
      box.onDidHide(() => reject(aborted()));
      box.show();
    });
  } finally {
    box.dispose();
  }
}

/**
 * A box for a provider's key, ours or pi-ai's own secret prompt: a password box, the key page as a
 * button (an address in a prompt cannot be clicked), our key check as it is typed, and a key shaped
 * like another provider's as a warning, not a refusal. Returns whether Enter may take the value.
 */
export function keyBox(box: vscode.InputBox, provider: ProviderInfo, fromManager?: () => void): () => boolean {
  box.password = true;
  box.ignoreFocusOut = true;
  const url = provider.keyUrl;
  const keyPage = url
    ? { iconPath: new vscode.ThemeIcon('link-external'), tooltip: `Create a key at ${url}` }
    : undefined;
  const manager = fromManager ? { iconPath: new vscode.ThemeIcon('lock'), tooltip: FROM_MANAGER_LABEL } : undefined;
  box.buttons = [...(manager ? [manager] : []), ...(keyPage ? [keyPage] : [])];
  if (manager) box.prompt = `${box.prompt ?? ''} Or use the lock button: ${FROM_MANAGER_LABEL}`;
  box.onDidTriggerButton((b) =>
    b === manager ? fromManager?.() : url && void vscode.env.openExternal(vscode.Uri.parse(url)),
  );
  const check = (v: string) => {
    const warning = v.length === 0 ? undefined : keyShapeWarning(provider.id, v);
    const problem = v.length === 0 ? undefined : apiKeyProblem(v);
    box.validationMessage =
      problem ?? (warning ? { message: warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined);
    return problem;
  };
  box.onDidChangeValue(check);
  return () => {
    // Enter on an empty box says why nothing happens, instead of nothing.
    if (box.value.length === 0) box.validationMessage = 'Paste the key first, or press Escape to cancel.';
    else return !check(box.value);
    return false;
  };
}
