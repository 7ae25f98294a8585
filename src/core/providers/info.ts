import type { OAuthCredential } from '../credentials';
import type { HttpOptions } from '../http';
import type { OAuthProvider } from '../oauth/provider';
import type { BalanceClient } from '../usage/balance';
import type { UsageClient } from '../usage/usage-client';
import type { SignInForm } from './forms';

/** How a person can sign in to a provider: a pasted key, a browser (PKCE) or a device code. */
export type SignInKind = 'apiKey' | 'browser' | 'device';

/** The picker's words for a pi-ai login that asks first: the browser or a device code. */
export const BROWSER_OR_DEVICE = '$(globe) sign in with the browser or a device code';

export interface ProviderInfo {
  /** pi's provider id: the key in auth.json. */
  readonly id: string;
  readonly label: string;
  /** The variables pi reads for this provider, in pi's order of precedence. */
  readonly envVars: readonly string[];
  /** The variable we export to terminals; defaults to envVars[0]. */
  readonly exportVar?: string;
  /** Where a browser/device sign-in's access token goes instead, when pi reads it elsewhere. */
  readonly oauthExportVar?: string;
  /**
   * Keys that are subscription tokens by their shape, wherever they were stored: they go out
   * under `oauthExportVar` too, the variable meant for them (a tool that reads the API-key
   * variable would send them as a plain key).
   */
  readonly subscriptionKey?: RegExp;
  /** The variable pi or the provider's SDK reads a base URL from, for an account's request settings. */
  readonly baseUrlVar?: string;
  /** Where to create a key: the provider's own console page. */
  readonly keyUrl?: string;
  readonly signIn: readonly SignInKind[];
  /**
   * pi-ai's facts about the provider's sign-ins (@earendil-works/pi-ai 1.x, `Provider.auth`):
   * the API-key method's name, and the OAuth method's name, login label and whether it is a
   * subscription. Unset for providers pi-ai does not ship (ours).
   */
  readonly pi?: {
    readonly apiKeyName?: string;
    /** pi-ai's own API-key sign-in (`auth.apiKey.login(interaction)`) exists. */
    readonly apiKeyLogin?: boolean;
    readonly oauth?: { readonly name: string; readonly subscription: boolean; readonly loginLabel?: string };
  };
  /**
   * Set for providers stock pi does not know: the pi extension that teaches pi this id. pi
   * ignores their auth.json entries without it.
   */
  readonly piExtension?: string;
  /** How a sign-in kind is named in the picker when it is not just the provider's label. */
  readonly signInLabels?: Readonly<Partial<Record<SignInKind, string>>>;
  /** What the picker says a way of signing in offers, when pi-ai's login offers more than its kind (the browser or a device code). */
  readonly signInHints?: Readonly<Partial<Record<SignInKind, string>>>;
  /** When the credential is several values (a key with a region, a profile…): the ways to give them. */
  readonly forms?: readonly SignInForm[];
  /**
   * The models endpoint a pasted key can be checked against without loading pi's model layer:
   * Anthropic's `/v1/models` (x-api-key) or an OpenAI-compatible `<baseUrl>/models` (bearer).
   */
  readonly keyCheck?: { readonly wire: 'anthropic' | 'openai'; readonly baseUrl: string };
  /**
   * Checks an answer to one of the sign-in's own questions as it is typed (the GitHub Enterprise
   * host): the reason it cannot be used, or undefined.
   */
  readonly promptCheck?: (
    prompt: { readonly type: string; readonly message: string },
    value: string,
  ) => string | undefined;
  /** The stream options pi-ai reads from process.env, from a values account's settings. */
  readonly streamOptions?: (
    vars: Readonly<Record<string, string>>,
    modelId: string,
  ) => Record<string, string | undefined>;
}

/**
 * What Pi Accounts adds to a provider pi-ai ships, keyed by its id: pi-ai's registry gives the
 * id, name, key variables and sign-ins (src/core/providers/pi-registry.json).
 */
export type ProviderAdditions = Partial<Omit<ProviderDescriptor, 'id' | 'label' | 'envVars' | 'signIn' | 'pi'>> & {
  readonly id: string;
  /**
   * Whether an OAuth entry found in auth.json can be this account (before adopting tokens pi
   * refreshed); by default the same account id and Enterprise host, where the credential has them.
   */
  readonly sameAccount?: (ours: OAuthCredential, candidate: OAuthCredential) => boolean;
  /** How pi's OAuth sign-in reaches the person, for the pickers and the view: browser (default) or device code. */
  readonly oauthFlow?: 'browser' | 'device';
};

/**
 * Everything Pi Accounts knows about one provider: its facts, and the pieces a provider with a
 * browser or device sign-in adds. Everything else reads a provider from here (the directory). A
 * provider with more than facts is one file in this folder exporting one of these (anthropic.ts,
 * kilo.ts, azure-openai.ts), listed in directory.ts.
 */
export interface ProviderDescriptor extends ProviderInfo {
  /** The sign-in and refresh; `endpoints` point it at a test server (loopback only). */
  readonly oauth?: (endpoints: Readonly<Record<string, string>>) => OAuthProvider;
  /** The subscription's usage figures; `url` points the client at a test server. */
  readonly usage?: (url?: string) => UsageClient;
  /** An API key's balance, where the provider reports one; `base` points it at a test server. */
  readonly balance?: (base?: string) => BalanceClient;
  /** Where the model bridge sends a signed-in account's requests, when the sign-in decides it. */
  readonly modelBaseUrl?: (credential: OAuthCredential, key: string) => string | undefined;
  /**
   * Work right after a sign-in, in the background (Copilot enables the account's models): what to
   * log, and the problem to show on the account when part of it failed. `key` is "provider/account".
   */
  readonly afterSignIn?: (
    credential: OAuthCredential,
    o: { readonly key: string; readonly http: HttpOptions; readonly base?: string },
  ) => Promise<{ readonly log?: string; readonly problem?: string }>;
}
