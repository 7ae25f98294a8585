import type * as Bundle from './bundle';

let bundle: typeof Bundle | undefined;

/**
 * pi-ai's provider auth, loaded on first use. In the extension this `require` is dist/pi-auth.js
 * (esbuild.mjs keeps it out of the activation bundle); unit tests load ./bundle as it is.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const piAuth = (): typeof Bundle => (bundle ??= require('./bundle') as typeof Bundle);
