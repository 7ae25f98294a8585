import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;

/**
 * undici, loaded on the first request instead of at activation: it is most of the bundle
 * (535 KB of 685 KB minified) and most of its load time. The bundle keeps it as its own file
 * next to extension.js (see esbuild.mjs).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const undici = (): typeof Undici => (loaded ??= require('undici') as typeof Undici);
