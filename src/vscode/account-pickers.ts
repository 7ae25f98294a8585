import * as vscode from 'vscode';
import { toolInfo } from '../core/secret-ref';
import { aborted, Fault } from '../core/faults';
import { requireProvider } from '../core/providers/directory';
import type { InUseAccounts } from '../core/rotation/rotation';
import type { AccountInfo, Vault } from '../core/vault';
import { kindLabel } from './accounts-view';
import { inViewOrder } from '../core/words';

// The quick picks a command shows when its target was neither passed nor run on a view row.
// A dismissed pick throws `aborted`.

/** What a command acts on: a provider, and one of its accounts unless it acts on all of them. */
export interface Target {
  readonly provider: string;
  readonly account?: string;
}

export type AccountTarget = Target & { readonly account: string };

const kindText = (a: AccountInfo) =>
  a.kind === 'api_key'
    ? `api key ${a.keyTail}`
    : a.kind === 'env'
      ? 'settings'
      : a.ref
        ? `key in ${toolInfo(a.ref.tool).label}`
        : `${kindLabel(a)} sign-in`;

const inUse = (active: InUseAccounts, a: AccountInfo) => active.inUse(a.provider)?.name === a.name;

/** Nothing to act on: the error offers "Sign In" (faults-ui reads `signIn`). */
function noAccounts(provider?: string): Fault {
  const label = provider ? requireProvider(provider).label : undefined;
  const message = label ? `You have no ${label} account yet.` : 'You have no accounts yet.';
  return new Fault('not-found', message, 'Sign in first.', { signIn: provider ?? 'any' });
}

/** One account (of `provider`, if given) among those `filter` keeps. */
export async function pickAccount(
  vault: Vault,
  active: InUseAccounts,
  title: string,
  provider: string | undefined,
  filter: (a: AccountInfo) => boolean,
): Promise<AccountTarget> {
  const accounts = inViewOrder(vault.accounts(provider).filter(filter));
  if (!accounts.length) throw noAccounts(provider);
  const items = accounts.map((a) => {
    const notes = [requireProvider(a.provider).label, inUse(active, a) ? 'in use' : undefined];
    if (a.needsSignIn) notes.push('needs sign-in');
    return { label: a.name, description: notes.filter(Boolean).join(' · '), detail: kindText(a), a };
  });
  const options = { title: `Pi Accounts: ${title}`, matchOnDescription: true };
  const picked = await vscode.window.showQuickPick(items, options);
  if (!picked) throw aborted();
  return { provider: picked.a.provider, account: picked.a.name };
}

/** A provider with more than one account (the only one without asking). */
export async function pickProviderWithAccounts(vault: Vault, active: InUseAccounts): Promise<string> {
  const ids = vault.providers().filter((p) => vault.accounts(p).length > 1);
  if (!ids.length) {
    throw new Fault('not-found', 'No provider has more than one account.', 'Sign in with a second account first.');
  }
  if (ids.length === 1) return ids[0];
  const items = ids.map((id) => {
    const description = `using ${active.inUse(id)?.name ?? '—'}`;
    return { label: requireProvider(id).label, description, id };
  });
  const picked = await vscode.window.showQuickPick(items, { title: 'Pi Accounts: Next Account' });
  if (!picked) throw aborted();
  return picked.id;
}

/** An account, or every account of a provider (`account` undefined). */
export async function pickSignOutTarget(vault: Vault, active: InUseAccounts): Promise<Target> {
  type Item = vscode.QuickPickItem & { provider?: string; account?: string };
  const items: Item[] = [];
  for (const id of new Set(inViewOrder(vault.accounts()).map((a) => a.provider))) {
    const p = requireProvider(id);
    const accounts = inViewOrder(vault.accounts(id));
    items.push({ label: p.label, kind: vscode.QuickPickItemKind.Separator });
    for (const a of accounts) {
      const description = inUse(active, a) ? 'in use' : undefined;
      items.push({ label: a.name, description, detail: `${p.label} · ${kindText(a)}`, provider: id, account: a.name });
    }
    if (accounts.length > 1) items.push({ label: `$(trash) All ${p.label} accounts`, provider: id });
  }
  if (!items.length) throw noAccounts();
  const options = { title: 'Pi Accounts: Sign Out', placeHolder: 'Choose an account to sign out of' };
  const picked = await vscode.window.showQuickPick(items, options);
  if (!picked?.provider) throw aborted();
  return { provider: picked.provider, account: picked.account };
}

/** A modal "Sign Out" confirmation; anything else throws `aborted`. */
export async function confirmSignOut(message: string, detail: string): Promise<void> {
  const ok = await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Sign Out');
  if (ok !== 'Sign Out') throw aborted();
}
