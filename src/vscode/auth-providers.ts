import * as vscode from 'vscode';
import { keyOf } from '../core/credentials';
import { describe } from '../core/faults';
import type { Logger } from '../core/log';
import { PROVIDERS, requireProvider } from '../core/providers/directory';
import type { InUseAccounts } from '../core/rotation/rotation';
import type { AccountInfo, Vault } from '../core/vault';
import type { Outlet } from '../core/outlet';
import { inViewOrder } from '../core/words';

/** The id other extensions pass to `vscode.authentication.getSession`. */
export const authProviderId = (provider: string) => `pi-${provider}`;

type Session = vscode.AuthenticationSession;

class ProviderSessions implements vscode.AuthenticationProvider {
  private readonly changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private last = new Map<string, string>(); // session id → access token, to tell added/removed/changed

  constructor(
    private readonly provider: string,
    private readonly vault: Vault,
    private readonly deps: SessionDeps,
  ) {
    this.last = this.tokens();
  }

  async getSessions(scopes?: readonly string[]): Promise<Session[]> {
    // The active account first: it is the one a consumer should prefer. Accounts that need a new
    // sign-in have no usable token, so they are not offered.
    const inUse = this.deps.inUse.inUse(this.provider)?.name;
    // The rest in the view's order, so VS Code's Accounts menu lists them as the view does.
    const accounts = inViewOrder(this.vault.accounts(this.provider))
      .filter((a) => !a.needsSignIn && a.kind !== 'env') // values-only accounts have no token to hand out
      .sort((a, b) => Number(b.name === inUse) - Number(a.name === inUse));
    return Promise.all(accounts.map((a) => this.session(a, scopes ?? [])));
  }

  async createSession(scopes: readonly string[]): Promise<Session> {
    const account = await this.deps.signIn(this.provider);
    return this.session(account, scopes);
  }

  async removeSession(sessionId: string): Promise<void> {
    const account = this.vault.accounts(this.provider).find((a) => sessionIdOf(a) === sessionId);
    if (account) await this.deps.signOut(this.provider, account.name);
  }

  /** Called after every vault change: tells VS Code (and consumers) what moved. */
  update(): void {
    const before = this.last;
    const after = this.tokens();
    this.last = after;
    const pick = (ids: string[], from: Map<string, string>) =>
      ids.map((id) => ({ id, accessToken: from.get(id)!, account: { id, label: id.split('/')[1] }, scopes: [] }));
    const added = [...after.keys()].filter((id) => !before.has(id));
    const removed = [...before.keys()].filter((id) => !after.has(id));
    const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
    if (added.length || removed.length || changed.length) {
      this.changed.fire({ added: pick(added, after), removed: pick(removed, before), changed: pick(changed, after) });
    }
  }

  dispose(): void {
    this.changed.dispose();
  }

  private tokens(): Map<string, string> {
    return new Map(this.vault.accounts(this.provider).map((a) => [sessionIdOf(a), this.stored(a)]));
  }

  private stored(a: AccountInfo): string {
    const cred = this.vault.credential(a.provider, a.name);
    return cred ? keyOf(cred) : '';
  }

  /** A session's token is refreshed first when it is about to expire. */
  private async session(a: AccountInfo, scopes: readonly string[]): Promise<Session> {
    const id = sessionIdOf(a);
    const accessToken = await this.deps.key(a.provider, a.name).catch((e: unknown) => {
      // A key kept in a password manager has no stored copy: an empty token is no session.
      const stored = this.stored(a);
      if (!stored) throw e;
      this.deps.log.warn(`Session ${id}: ${describe(e)} Handing out the stored token.`);
      return stored;
    });
    return { id, accessToken, account: { id, label: a.name }, scopes };
  }
}

export interface SessionDeps {
  readonly log: Logger;
  readonly inUse: InUseAccounts;
  /** A usable key for the account (refreshing OAuth tokens first). */
  readonly key: (provider: string, account: string) => Promise<string>;
  readonly signIn: (provider: string) => Promise<AccountInfo>;
  readonly signOut: (provider: string, account: string) => Promise<void>;
}

const sessionIdOf = (a: AccountInfo) => `${a.provider}/${a.name}`;

/** One authentication provider per directory provider that has accounts. */
export class AuthProviders implements Outlet, vscode.Disposable {
  private readonly live = new Map<string, { sessions: ProviderSessions; registration: vscode.Disposable }>();

  constructor(
    private readonly vault: Vault,
    private readonly deps: SessionDeps,
  ) {}

  sync(): void {
    const withAccounts = new Set(this.vault.providers());
    for (const [id, entry] of this.live) {
      entry.sessions.update(); // fires `removed` before an emptied provider goes away
      if (!withAccounts.has(id)) {
        entry.registration.dispose();
        entry.sessions.dispose();
        this.live.delete(id);
      }
    }
    for (const id of withAccounts) {
      if (this.live.has(id) || !PROVIDERS.some((p) => p.id === id)) continue;
      const sessions = new ProviderSessions(id, this.vault, this.deps);
      try {
        const registration = vscode.authentication.registerAuthenticationProvider(
          authProviderId(id),
          `${requireProvider(id).label} · Pi Accounts` /* VS Code's Accounts menu shows "account (label)": no nested brackets */,
          sessions,
          {
            supportsMultipleAccounts: true,
          },
        );
        this.live.set(id, { sessions, registration });
      } catch (e) {
        this.deps.log.error(`Could not register the authentication provider for ${id}: ${(e as Error).message}`);
      }
    }
  }

  dispose(): void {
    for (const { sessions, registration } of this.live.values()) {
      registration.dispose();
      sessions.dispose();
    }
    this.live.clear();
  }
}
