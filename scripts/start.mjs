// `npm start`: build the extension and run it in a VS Code. With the `code` CLI this opens a
// development window; otherwise it starts the same local VS Code host (code-server) the tests
// use, with the packaged extension installed, and prints the URL to open.
// Each checkout gets its own VS Code profile (user data + extensions), so two clones or
// worktrees never share accounts or settings; `npm start -- --reset` starts it afresh.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const hasCode = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
const cache =
  process.env.PI_ACCOUNTS_HOST_CACHE ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pi-accounts-host');
const profile = join(
  cache,
  'profiles',
  `${basename(root)}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`,
);
if (process.argv.includes('--reset')) {
  rmSync(profile, { recursive: true, force: true });
  console.log(`Reset the VS Code profile of this checkout (${profile}).`);
}
const extensions = join(profile, 'extensions');
const userData = join(profile, 'user-data');
mkdirSync(extensions, { recursive: true });
console.log(`VS Code profile of this checkout: ${profile}\n(start afresh with \`npm start -- --reset\`)\n`);

if (hasCode) {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  execFileSync(
    'code',
    ['--user-data-dir', userData, '--extensions-dir', extensions, `--extensionDevelopmentPath=${root}`, root],
    { stdio: 'inherit' },
  );
  process.exit(0);
}

const { ensureHost } = await import('../test/host/setup.mjs');
const { node24, codeServerEntry } = ensureHost();
execFileSync('npm', ['run', 'package'], { cwd: root, stdio: 'inherit' });
const common = ['--extensions-dir', extensions, '--user-data-dir', userData];
execFileSync(
  node24,
  [codeServerEntry, ...common, '--install-extension', join(root, 'dist', 'pi-accounts.vsix'), '--force'],
  { stdio: 'inherit' },
);
const port = process.env.PORT ?? '8080';
const server = spawn(
  node24,
  [
    codeServerEntry,
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    root,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
console.log(
  `\nPi Accounts is running in VS Code at http://127.0.0.1:${port}/?folder=${encodeURIComponent(root)}\nOpen it in a browser; Ctrl+C stops it.\n`,
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));
