import type { OAuthCredential } from '../credentials';
import type { HttpOptions } from '../http';
import type { AuthEvent, AuthPrompt } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };
import type { DeviceCode } from './device';

export type { OAuthCredential } from '../credentials';

/**
 * What every sign-in talks to: pi-ai 1.x's `AuthInteraction` (@earendil-works/pi-ai
 * dist/auth/types.d.ts) with its signal required, as pi-ai's own logins get it. The editor
 * implements it once (src/vscode/sign-in-flow.ts); `prompt` rejects when the person cancels.
 */
export interface SignInInteraction {
  readonly signal: AbortSignal;
  prompt(prompt: AuthPrompt): Promise<string>;
  notify(event: AuthEvent): void;
}

/** The blocks our own flows (Qwen, Kilo, Cline) are written on, over a SignInInteraction (interaction.ts). */
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
  /** What the sign-in is waiting for now, for a progress notification. */
  progress?(message: string): void;
}

/**
 * A provider's sign-in and refresh: pi-ai's own for its providers (src/core/pi-auth/oauth.ts),
 * ours for the ones pi-ai does not ship (src/core/providers/<id>.ts), one interface for both.
 */
export interface OAuthProvider {
  readonly id: string;
  login(interaction: SignInInteraction, http?: HttpOptions): Promise<OAuthCredential>;
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
