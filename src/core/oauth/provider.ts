import type { HttpOptions } from '../http';
import type { DeviceCode } from './device';

/** pi's stored OAuth credential: refresh, access, expires (epoch ms), plus provider extras. */
export interface OAuthCredential {
  readonly type: 'oauth';
  readonly refresh: string;
  readonly access: string;
  readonly expires: number;
  readonly [extra: string]: unknown;
}

/** What a sign-in needs from the editor. Every wait honours `signal`. */
export interface LoginUi {
  readonly signal: AbortSignal;
  openBrowser(url: string): Promise<void>;
  /** Resolves with what the person pasted; used when the loopback cannot be, and as a race. */
  pasteCode(message: string): Promise<string>;
  /** Device flows: show the code and offer Copy & Open. */
  showDeviceCode(code: DeviceCode): Promise<void>;
  /** A free-text question (e.g. the GitHub Enterprise host); blank is allowed. */
  ask(message: string, placeholder: string): Promise<string>;
}

/** One per provider, one file each: adding a provider is one file plus one registry line. */
export interface OAuthProvider {
  readonly id: string;
  login(ui: LoginUi, http?: HttpOptions): Promise<OAuthCredential>;
  refresh(credential: OAuthCredential, http?: HttpOptions): Promise<OAuthCredential>;
  /** The key pi and the bridge use for this credential. */
  apiKey(credential: OAuthCredential): string;
}

export const FIVE_MINUTES = 5 * 60 * 1000;
