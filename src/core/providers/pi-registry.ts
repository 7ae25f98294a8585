import registry from './pi-registry.json';

/**
 * One provider as pi-ai's registry describes it (@earendil-works/pi-ai 1.x `builtinProviders()`),
 * written at build time by scripts/pi-registry.mjs so activation does not load pi-ai.
 */
export interface PiProviderFacts {
  readonly id: string;
  readonly name: string;
  /** The variables pi reads the key from, in its order of precedence. */
  readonly keyVars: readonly string[];
  /** The provider values pi reads beside the key (Cloudflare's account and gateway ids). */
  readonly valueVars: readonly string[];
  readonly apiKey?: { readonly name: string; readonly login: boolean };
  readonly oauth?: { readonly name: string; readonly subscription: boolean; readonly loginLabel?: string };
}

/** The pi-ai version the facts were read from. */
export const PI_AI_VERSION: string = registry.piAi;
export const PI_PROVIDERS: readonly PiProviderFacts[] = registry.providers;
