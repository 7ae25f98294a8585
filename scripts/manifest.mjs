// VS Code reads an extension's authentication providers and settings from package.json before the
// extension runs (https://code.visualstudio.com/api/references/contribution-points), so the lists
// there that name providers are written from the provider directory at every build: one
// authentication provider per provider, in the directory's order, and the choices of
// piAccounts.terminal.sharedVariables. A new provider needs no hand edit here.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The directory's facts, bundled in memory from the TypeScript source. */
async function directory() {
  const { outputFiles } = await esbuild.build({
    stdin: { contents: "export { PROVIDERS } from './src/core/providers/directory'; export { sharedVariables } from './src/core/terminal-env';", resolveDir: '.', loader: 'ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    external: ['undici', '@mariozechner/pi-ai'],
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

/** Rewrites package.json when its provider lists differ from the directory; returns whether it did. */
export async function syncManifest(path = 'package.json') {
  const { PROVIDERS, sharedVariables } = await directory();
  const text = readFileSync(path, 'utf8');
  const pkg = JSON.parse(text);
  pkg.contributes.authentication = PROVIDERS.map((p) => ({ id: `pi-${p.id}`, label: `${p.label} · Pi Accounts` }));
  const shared = pkg.contributes.configuration.properties['piAccounts.terminal.sharedVariables'];
  shared.properties = Object.fromEntries(Object.entries(sharedVariables()).map(([variable, ids]) => [variable, { type: 'string', enum: ids }]));
  const next = `${JSON.stringify(pkg, null, 2)}\n`;
  if (next === text) return false;
  writeFileSync(path, next);
  return true;
}
