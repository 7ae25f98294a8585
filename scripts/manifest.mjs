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
    stdin: {
      contents:
        "export { PROVIDERS } from './src/core/providers/directory'; export { sharedVariables } from './src/core/terminal-env';",
      resolveDir: '.',
      loader: 'ts',
    },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    external: ['undici', '@earendil-works/pi-ai'],
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(
    module,
    module.exports,
    createRequire(import.meta.url),
  );
  return module.exports;
}

/**
 * Rewrites package.json when its provider lists differ from the directory; returns whether it did.
 * With `check` (CI) it throws instead: the package.json in the repository must be the one built.
 */
export async function syncManifest({ path = 'package.json', check = false } = {}) {
  const { PROVIDERS, sharedVariables } = await directory();
  const text = readFileSync(path, 'utf8');
  const pkg = JSON.parse(text);
  const before = JSON.stringify(pkg);
  pkg.contributes.authentication = PROVIDERS.map((p) => ({ id: `pi-${p.id}`, label: `${p.label} · Pi Accounts` }));
  const shared = Object.entries(sharedVariables());
  const label = (id) => PROVIDERS.find((p) => p.id === id).label;
  const setting = pkg.contributes.configuration.properties['piAccounts.terminal.sharedVariables'];
  setting.properties = Object.fromEntries(shared.map(([variable, ids]) => [variable, { type: 'string', enum: ids }]));
  setting.markdownDescription = `Which provider's account a terminal gets for a variable two providers read, when both have an account (pi reads ${shared.map(([variable, ids]) => `\`${variable}\` for ${ids.map(label).join(' and ')}`).join(', ')}). Unset: the first in that list.`;
  if (JSON.stringify(pkg) === before) return false;
  if (check)
    throw new Error(
      `${path}: its provider lists differ from the provider directory. Run \`npm run build\` and commit ${path}.`,
    );
  writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
  return true;
}
