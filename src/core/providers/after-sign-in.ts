// The work a provider does right after a sign-in (its descriptor's `afterSignIn`: Copilot enables
// the account's models), run in the background: it never fails the sign-in; what went wrong is
// logged and kept per account for the Accounts view until the next sign-in.
import type { Credential } from '../credentials';
import { describe } from '../faults';
import type { HttpOptions } from '../http';
import type { Logger } from '../log';
import { findProvider } from './directory';

export class AfterSignIn {
  private readonly problems = new Map<string, string>();

  constructor(
    private readonly deps: {
      readonly log: Logger;
      readonly http: () => HttpOptions | undefined;
      /** A test server for the provider's follow-up calls (its test route: loopback only). */
      readonly testRoute: (provider: string) => string | undefined;
      readonly changed: () => void;
    },
  ) {}

  /** Why the follow-up failed for the account, if it did. */
  problem(provider: string, account: string): string | undefined {
    return this.problems.get(`${provider}/${account}`);
  }

  async run(provider: string, account: string, credential: Credential): Promise<void> {
    const hook = findProvider(provider)?.afterSignIn;
    if (!hook || credential.type !== 'oauth') return;
    const key = `${provider}/${account}`;
    this.problems.delete(key);
    const r = await hook(credential, { key, http: this.deps.http() ?? {}, base: this.deps.testRoute(provider) }).catch(
      (e: unknown): { log?: string; problem?: string } => ({ problem: describe(e) }),
    );
    if (r.log) this.deps.log.info(r.log);
    if (r.problem) {
      this.problems.set(key, r.problem);
      this.deps.log.warn(`${key}: ${r.problem}`);
    }
    this.deps.changed();
  }
}
