// Installs the companion into pi's extensions folder, and removes it again, touching only the
// file it wrote: the file starts with a marker line that holds the SHA-256 of the rest, so a
// file someone else wrote (or edited since) is never overwritten or deleted.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fault } from '../faults';

export const COMPANION_FILE = 'pi-accounts-companion.js';
const MARKER = /^\/\/ pi-accounts-companion (\S+) sha256:([0-9a-f]{64})\n/;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

export type Installed =
  { state: 'absent' } | { state: 'ours'; version: string; current: boolean } | { state: 'foreign' };

/** What is at the companion's path now. */
export function inspect(agentDir: string, version: string): Installed {
  const found = read(agentDir);
  return typeof found === 'string'
    ? { state: found }
    : { state: 'ours', version: found.version, current: found.version === version };
}

/** The file's marker when the rest of the file still hashes to it. */
function read(agentDir: string): 'absent' | 'foreign' | { version: string; sha: string } {
  const path = join(agentDir, 'extensions', COMPANION_FILE);
  if (!existsSync(path)) return 'absent';
  const text = readFileSync(path, 'utf8');
  const m = MARKER.exec(text);
  return m && sha(text.slice(m[0].length)) === m[2] ? { version: m[1], sha: m[2] } : 'foreign';
}

/**
 * Writes (or updates) the companion; `body` is the built companion, `version` the extension's.
 * Returns false when it was already current.
 */
export function install(agentDir: string, body: string, version: string): boolean {
  const now = read(agentDir);
  const path = join(agentDir, 'extensions', COMPANION_FILE);
  if (now === 'foreign')
    throw new Fault(
      'pi-link',
      `${path} exists and was not written by Pi Accounts (or was edited since).`,
      'Move it away and run "Connect pi" again.',
    );
  if (typeof now === 'object' && now.version === version && now.sha === sha(body)) return false;
  mkdirSync(join(agentDir, 'extensions'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `// pi-accounts-companion ${version} sha256:${sha(body)}\n${body}`, { mode: 0o644 });
  renameSync(tmp, path);
  return true;
}

/** Removes the companion if it is ours and unchanged; returns whether it removed a file. */
export function uninstall(agentDir: string): boolean {
  const path = join(agentDir, 'extensions', COMPANION_FILE);
  const now = read(agentDir);
  if (now === 'absent') return false;
  if (now === 'foreign')
    throw new Fault(
      'pi-link',
      `${path} was not written by Pi Accounts (or was edited since); it is left as it is.`,
      'Remove it yourself if you no longer want it.',
    );
  unlinkSync(path);
  return true;
}
