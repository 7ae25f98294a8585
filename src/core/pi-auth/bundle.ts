// pi-ai 1.x's providers and their sign-in flows, loaded on the first sign-in or refresh, never at
// activation: this file is its own bundle (dist/pi-auth.js, see esbuild.mjs), and unit tests load
// it as it is. pi-ai loads its OAuth flows through a variable `import()` a bundle cannot follow;
// `registerBunOAuthFlows` (@earendil-works/pi-ai/bun-oauth) hands it the statically bundled ones.
import type { Provider } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };

export type PiProvider = Provider;

let loaded: Promise<ReadonlyMap<string, Provider>> | undefined;

/** pi-ai's built-in providers by id, built once. */
export function piProviders(): Promise<ReadonlyMap<string, Provider>> {
  return (loaded ??= (async () => {
    const [{ builtinProviders }, { registerBunOAuthFlows }] = await Promise.all([
      import('@earendil-works/pi-ai/providers/all'),
      import('@earendil-works/pi-ai/bun-oauth'),
    ]);
    registerBunOAuthFlows();
    return new Map(builtinProviders().map((p) => [p.id, p]));
  })());
}
