import type { OAuthCredential } from '../credentials';
import type { HttpOptions } from '../http';
import type { DeviceCode } from './device';

export type { OAuthCredential } from '../credentials';

/** What a sign-in needs from the editor. Every wait honours `signal`. */
export interface LoginUi {
  readonly signal: AbortSignal;
  openBrowser(url: string): Promise<void>;
  /**
   * Whether the browser can reach a loopback server on this machine at `redirectUri` (false when
   * the editor runs remotely and the port is not forwarded as is): then paste is the only way.
   */
  loopbackReachable(redirectUri: string): Promise<boolean>;
  /** Resolves with what the person pasted; `signal` withdraws the question (the loopback won). */
  pasteCode(message: string, signal: AbortSignal): Promise<string>;
  /** Device flows: show the code and offer Copy & Open; rejects with `aborted` when declined. */
  showDeviceCode(code: DeviceCode): Promise<void>;
  /** A free-text question (e.g. the GitHub Enterprise host); blank is allowed. */
  ask(message: string, placeholder: string, problem?: (text: string) => string | undefined): Promise<string>;
  /** What the sign-in is waiting for now, for a progress notification. */
  progress?(message: string): void;
}

/** A provider's sign-in and refresh, in its descriptor's file (src/core/providers/<id>.ts), on the shared blocks of this folder. */
export interface OAuthProvider {
  readonly id: string;
  login(ui: LoginUi, http?: HttpOptions): Promise<OAuthCredential>;
  refresh(credential: OAuthCredential, http?: HttpOptions): Promise<OAuthCredential>;
  /** The key pi and the model bridge send for this credential. */
  apiKey(credential: OAuthCredential): string;
  /**
   * Whether `candidate` (found in auth.json) can be the same account as `ours`: used before
   * adopting tokens pi refreshed. Identity fields differ per provider.
   */
  sameAccount(ours: OAuthCredential, candidate: OAuthCredential): boolean;
}

export const FIVE_MINUTES = 5 * 60 * 1000;
