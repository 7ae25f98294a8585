// `npm start`: build the extension and run it in a VS Code. With the `code` CLI this opens a
// development window; otherwise it starts the same local VS Code host (code-server) the tests
// use, with the packaged extension installed, and prints the URL to open.
// Each checkout gets its own VS Code profile (user data + extensions), so two clones or
// worktrees never share accounts or settings; `npm start -- --reset` starts it afresh.
// The window opens an empty playground folder of that profile, not this source folder: a folder
// VS Code has never seen opens in Restricted Mode, where new terminals get no keys, and the
// source folder is not what a person trying the extension wants to look at.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
const playground = join(profile, 'playground');
mkdirSync(extensions, { recursive: true });
mkdirSync(playground, { recursive: true });
const readme = join(playground, 'README.md');
if (!existsSync(readme))
  writeFileSync(
    readme,
    '# Pi Accounts playground\n\nAn empty folder to try Pi Accounts in: open the π view in the activity bar and Sign In.\n',
  );
console.log(`VS Code profile of this checkout: ${profile}\n(start afresh with \`npm start -- --reset\`)\n`);

if (hasCode) {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  execFileSync(
    'code',
    ['--user-data-dir', userData, '--extensions-dir', extensions, `--extensionDevelopmentPath=${root}`, playground],
    { stdio: 'inherit' },
  );
  process.exit(0);
}

const { cacheDir, CODE_SERVER_VERSION, ensureHost } = await import('../test/host/setup.mjs');
if (!existsSync(join(cacheDir, `code-server-${CODE_SERVER_VERSION}.ok`)))
  console.log('First run: installing code-server and Node 24 from npm into the cache (a few minutes, once).\n');
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
    // The playground is trusted: its terminals get keys, as in a folder the person trusts. Restricted
    // Mode is shown by the host scenario U1 (test/host/new-user.test.mjs).
    '--disable-workspace-trust',
    playground,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
// code-server's own noise that says nothing about Pi Accounts: the missing proprietary vsda
// module (only Microsoft's builds have it) and the extension gallery, unreachable offline.
const NOISE = /vsda|ENOTFOUND|open-vsx|EAI_AGAIN|getaddrinfo/i;
let pending = '';
let dropping = false;
server.stderr.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    // A noisy line's stack trace (indented "at …" lines) goes with it.
    dropping = NOISE.test(line) || (dropping && /^\s/.test(line));
    if (!dropping) process.stderr.write(`${line}\n`);
  }
});
console.log(
  `\nPi Accounts is running in VS Code at http://127.0.0.1:${port}/?folder=${encodeURIComponent(playground)}\nOpen it in a browser; Ctrl+C stops it.\n`,
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));
