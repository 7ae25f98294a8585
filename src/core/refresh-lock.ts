import type { Credential, OAuthCredential } from './credentials';
import type { OAuthProvider } from './oauth/provider';

/** What a step run under the refresh lock decided: its result, and the credential to publish, if any. */
export interface LockedStep<T> {
  readonly result: T;
  readonly write?: Credential;
  /** The credential another refresher stored was adopted as is: record it as ours without writing. */
  readonly adopted?: boolean;
}

/**
 * Under the lock: the tokens another refresher (pi, through auth.json) stored for this account
 * since we last wrote them, when they are newer than `current`; undefined otherwise.
 */
export type RefreshedElsewhere = (current: OAuthCredential, impl: OAuthProvider) => OAuthCredential | undefined;

/**
 * The port the key resolver refreshes through: runs `step` holding a lock every other refresher
 * of this account honours (src/core/mirror/locked-run.ts implements it with pi's auth.json lock).
 */
export type LockedRun = <T>(
  provider: string,
  account: string,
  step: (elsewhere: RefreshedElsewhere) => Promise<LockedStep<T>>,
) => Promise<T>;
