// Bundles the extension into CommonJS files. `--production` minifies for packaging; the
// metafile is kept (dist/meta.json) so bundle sizes can be reported and inspected.
//
// Entry points: `extension` is what activation loads. `pi-ai` is pi's provider layer
// (@earendil-works/pi-ai and its SDKs, src/core/llm/models.ts), required by the extension on the
// first model listing or request; it is external to `extension` so it never loads at activation.
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { syncManifest } from './scripts/manifest.mjs';
import { syncPiRegistry } from './scripts/pi-registry.mjs';

const production = process.argv.includes('--production');
// pi-ai's provider registry, read into src/core/providers/pi-registry.json before anything is
// bundled from it (the directory, package.json's provider lists). In CI the committed file must
// already be the one pi-ai gives.
if (await syncPiRegistry({ check: !!process.env.CI }))
  console.log("src/core/providers/pi-registry.json: written from pi-ai's provider registry");
// Packages loaded when first needed (`require('<name>')` in src), each bundled as dist/<name>.js
// and required from there, so activation does not load them.
const lazy = ['undici'];
const lazyFiles = {
  name: 'lazy-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/bundle$/ }, (a) =>
      a.importer.replace(/\\/g, '/').endsWith('src/core/pi-auth/load.ts')
        ? { path: './pi-auth.js', external: true }
        : undefined,
    );
    build.onResolve({ filter: new RegExp(`^(${lazy.join('|')})$`) }, (a) =>
      a.kind === 'entry-point' ? undefined : { path: `./${a.path}.js`, external: true },
    );
  },
};
const result = await esbuild.build({
  entryPoints: {
    extension: 'src/extension.ts',
    'pi-ai': 'src/core/llm/models.ts',
    // pi-ai 1.x's providers and sign-in flows (src/core/pi-auth/bundle.ts), loaded on the first
    // sign-in or refresh; src/core/pi-auth/load.ts requires it as ./pi-auth.js.
    'pi-auth': 'src/core/pi-auth/bundle.ts',
    ...Object.fromEntries(lazy.map((name) => [name, name])),
  },
  plugins: [lazyFiles],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  outdir: 'dist',
  // @opentelemetry/api: an optional peer of the Mistral SDK (not installed), which imports it in a
  // try/catch and traces nothing without it (@mistralai/mistralai esm/hooks/tracing.js).
  external: ['vscode', './pi-ai.js', '@opentelemetry/api'],
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
  target: 'node22',
  outfile: 'dist/companion/pi-accounts-companion.js',
  // pi's own packages: its extension loader resolves them to the pi that loads the companion.
  external: ['@earendil-works/*', '@mariozechner/*'],
  minify: production,
  logLevel: 'warning',
});
// In CI the committed package.json must already be the built one.
if (await syncManifest({ check: !!process.env.CI }))
  console.log('package.json: provider lists written from the provider directory');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
for (const [file, o] of Object.entries(result.metafile.outputs)) {
  if (o.entryPoint) console.log(`${file}: ${(o.bytes / 1024).toFixed(1)} KiB${production ? ' (minified)' : ''}`);
}
