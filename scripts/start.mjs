// `npm start`: build the extension and run it in a VS Code. With the `code` CLI this opens a
// development window; otherwise it starts the same local VS Code host (code-server) the tests
// use, with the packaged extension installed, and prints the URL to open.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const hasCode = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;

if (hasCode) {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  execFileSync('code', [`--extensionDevelopmentPath=${root}`, root], { stdio: 'inherit' });
  process.exit(0);
}

const { ensureHost, cacheDir } = await import('../test/host/setup.mjs');
const { node24, codeServerEntry } = ensureHost();
execFileSync('npm', ['run', 'package'], { cwd: root, stdio: 'inherit' });
const dev = join(cacheDir, 'dev');
const extensions = join(dev, 'extensions');
const userData = join(dev, 'user-data');
mkdirSync(extensions, { recursive: true });
const common = ['--extensions-dir', extensions, '--user-data-dir', userData];
execFileSync(node24, [codeServerEntry, ...common, '--install-extension', join(root, 'dist', 'pi-accounts.vsix'), '--force'], { stdio: 'inherit' });
const port = process.env.PORT ?? '8080';
const server = spawn(node24, [codeServerEntry, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', root], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`\nPi Accounts is running in VS Code at http://127.0.0.1:${port}/?folder=${encodeURIComponent(root)}\nOpen it in a browser; Ctrl+C stops it.\n`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));
