// Bundles the extension into one CommonJS file. `--production` minifies for packaging; the
// metafile is kept (dist/meta.json) so bundle size can be reported and inspected.
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
// Packages loaded when first needed (`require('<name>')` in src), each bundled as dist/<name>.js
// and required from there, so activation does not load them.
const lazy = ['undici'];
const lazyFiles = {
  name: 'lazy-files',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${lazy.join('|')})$`) }, (a) => (a.kind === 'entry-point' ? undefined : { path: `./${a.path}.js`, external: true }));
  },
};
const result = await esbuild.build({
  entryPoints: { extension: 'src/extension.ts', ...Object.fromEntries(lazy.map((name) => [name, name])) },
  plugins: [lazyFiles],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  metafile: true,
  logLevel: 'warning',
});
mkdirSync('dist', { recursive: true });
writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
const bytes = result.metafile.outputs['dist/extension.js']?.bytes ?? 0;
console.log(`dist/extension.js: ${(bytes / 1024).toFixed(1)} KiB${production ? ' (minified)' : ''}`);
