// Bundles the extension into one CommonJS file. `--production` minifies for packaging; the
// metafile is kept (dist/meta.json) so bundle size can be reported and inspected.
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const result = await esbuild.build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  metafile: true,
  logLevel: 'warning',
});
// The pi companion (companion/index.ts) runs inside pi, not VS Code: its own ES module file,
// which "Connect pi…" copies into pi's extensions folder.
await esbuild.build({
  entryPoints: ['companion/index.ts'],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/companion/pi-accounts-companion.js',
  minify: production,
  logLevel: 'warning',
});
mkdirSync('dist', { recursive: true });
writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`dist/extension.js: ${(bytes / 1024).toFixed(1)} KiB${production ? ' (minified)' : ''}`);
