import * as vscode from 'vscode';
import { accountNameProblem, apiKeyProblem, keyTail } from '../core/credentials';
import { aborted } from '../core/faults';
import { providersWithApiKeys, requireProvider, type ProviderInfo } from '../core/providers/directory';
import type { Vault } from '../core/vault';

export interface ApiKeySignIn {
  readonly provider: string;
  readonly account: string;
  readonly key: string;
}

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
}

/** The palette flow: provider → account name → key. Escape at any step throws `aborted`. */
export async function promptApiKeySignIn(vault: Vault, recent: RecentProviders, presetProvider?: string): Promise<ApiKeySignIn> {
  const provider = presetProvider ? requireProvider(presetProvider) : await pickProvider(vault, recent);
  const account = await askAccountName(vault, provider);
  const key = (await keyFromEnvironment(provider)) ?? (await askKey(provider));
  return { provider: provider.id, account, key };
}

async function pickProvider(vault: Vault, recent: RecentProviders): Promise<ProviderInfo> {
  const all = providersWithApiKeys();
  const recentIds = recent.list().filter((id) => all.some((p) => p.id === id));
  const item = (p: ProviderInfo): ProviderItem => {
    const n = vault.accounts(p.id).length;
    const browser = p.signIn.some((k) => k !== 'apiKey') ? '  $(globe) browser sign-in' : '';
    return { label: p.label, description: `${p.id}${browser}`, detail: n ? `${n} account${n > 1 ? 's' : ''} signed in` : undefined, provider: p };
  };
  const items: ProviderItem[] = [];
  if (recentIds.length) {
    items.push({ label: 'recently used', kind: vscode.QuickPickItemKind.Separator });
    items.push(...recentIds.map((id) => item(requireProvider(id))));
    items.push({ label: 'all providers', kind: vscode.QuickPickItemKind.Separator });
  }
  items.push(...all.filter((p) => !recentIds.includes(p.id)).map(item));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Pi Accounts: Sign In (1/3)',
    placeHolder: 'Choose a provider (type to search by name or id)',
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!picked?.provider) throw aborted();
  return picked.provider;
}

async function askAccountName(vault: Vault, provider: ProviderInfo): Promise<string> {
  const taken = new Set(vault.accounts(provider.id).map((a) => a.name));
  const name = await vscode.window.showInputBox({
    title: `Pi Accounts: Sign In to ${provider.label} (2/3)`,
    prompt: 'Account name: letters, digits, "-" and "_", at most 50 characters',
    value: taken.has('default') ? '' : 'default',
    ignoreFocusOut: true,
    validateInput: (v) => accountNameProblem(v) ?? (taken.has(v) ? `${provider.label} already has an account named "${v}".` : undefined),
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
    ...found.map((e) => ({ label: `$(terminal) Use $${e.variable}`, description: keyTail(e.value), detail: 'The value VS Code was started with', value: e.value })),
    { label: '$(key) Enter a key' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Pi Accounts: Sign In to ${provider.label} (3/3)`, ignoreFocusOut: true });
  if (!picked) throw aborted();
  return picked.value;
}

async function askKey(provider: ProviderInfo): Promise<string> {
  const where = provider.keyUrl ? ` (create one at ${provider.keyUrl})` : '';
  const key = await vscode.window.showInputBox({
    title: `Pi Accounts: Sign In to ${provider.label} (3/3)`,
    prompt: `Paste your ${provider.label} API key${where}. It is kept in VS Code's secret storage.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.length === 0 ? undefined : apiKeyProblem(v)),
  });
  if (key === undefined) throw aborted();
  return key;
}
