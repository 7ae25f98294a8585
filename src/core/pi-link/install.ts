// Installs the companion into pi's extensions folder, and removes it again, touching only the
// file it wrote: the file starts with a marker line that holds the SHA-256 of the rest, so a
// file someone else wrote (or edited since) is never overwritten or deleted.
//
// The folder may be shared with others or with a process racing us, so every step is one that
// fails rather than follows or replaces something we did not write:
// - the new file is written to a random name created exclusively (O_CREAT|O_EXCL, O_NOFOLLOW):
//   a file or symlink planted at a guessable temp name is never written through;
// - what is moved into place is checked to be that very file (device and inode);
// - a new companion is linked into place (link(2) fails with EEXIST when the name exists), so
//   a file created between our check and the link is kept and the install fails;
// - an update (and a removal) first renames the old file aside and checks, on what was moved,
//   that it is ours and unchanged; anything else is put back and the step fails.
// open(2), link(2) and rename(2): https://man7.org/linux/man-pages/man2/open.2.html, …/link.2.html
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Fault } from '../faults';

export const COMPANION_FILE = 'pi-accounts-companion.js';
const MARKER = /^\/\/ pi-accounts-companion (\S+) sha256:([0-9a-f]{64})\n/;
/** Not defined on Windows, where a symlink is not followed by an exclusive create anyway. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

export type Installed =
  { state: 'absent' } | { state: 'ours'; version: string; current: boolean } | { state: 'foreign' };

type Found = 'absent' | 'foreign' | { version: string; sha: string };

/** Steps a test runs between our check and our commit, where another process could act. */
export interface InstallHooks {
  readonly beforeCommit?: () => void;
}

/** What is at the companion's path now. */
export function inspect(agentDir: string, version: string): Installed {
  const found = guarded(extensionsOf(agentDir), () => judge(join(extensionsOf(agentDir), COMPANION_FILE)));
  return typeof found === 'string'
    ? { state: found }
    : { state: 'ours', version: found.version, current: found.version === version };
}

const extensionsOf = (agentDir: string) => join(agentDir, 'extensions');

/** The file's marker when the rest of the file still hashes to it; a symlink or non-file is foreign. */
function judge(path: string): Found {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent'; // ENOTDIR: `extensions` is a file
    if (code === 'ELOOP' || code === 'EISDIR') return 'foreign'; // a symlink, or a folder of that name
    throw e;
  }
  try {
    if (!fstatSync(fd).isFile()) return 'foreign';
    const text = readFileSync(fd, 'utf8');
    const m = MARKER.exec(text);
    return m && sha(text.slice(m[0].length)) === m[2] ? { version: m[1], sha: m[2] } : 'foreign';
  } finally {
    closeSync(fd);
  }
}

const foreignFault = (path: string) =>
  new Fault(
    'pi-link',
    `${path} exists and was not written by Pi Accounts (or was edited since).`,
    'Move it away and run "Connect pi" again.',
  );

const raceFault = (path: string) =>
  new Fault(
    'pi-link',
    `${path} changed while Pi Accounts was installing the companion (another program wrote it); it was left as it is.`,
    'Check what wrote that file, move it away if it is not yours, and run "Connect pi" again.',
  );

/**
 * Writes (or updates) the companion; `body` is the built companion, `version` the extension's.
 * Returns false when it was already current. Fails with a `pi-link` fault, never a raw errno.
 */
export function install(agentDir: string, body: string, version: string, hooks: InstallHooks = {}): boolean {
  const dir = extensionsOf(agentDir);
  const path = join(dir, COMPANION_FILE);
  return guarded(dir, () => {
    const now = judge(path);
    if (now === 'foreign') throw foreignFault(path);
    if (typeof now === 'object' && now.version === version && now.sha === sha(body)) return false;
    mkdirSync(dir, { recursive: true });
    // pi's extensions folder may be a symlink to a folder (dotfiles): that is followed.
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const tmp = writeExclusive(dir, `// pi-accounts-companion ${version} sha256:${sha(body)}\n${body}`);
    try {
      hooks.beforeCommit?.();
      if (now === 'absent') linkNew(tmp, path);
      else replaceOurs(tmp, path, now.sha);
    } finally {
      unlinkQuiet(tmp.path);
    }
    return true;
  });
}

/** Removes the companion if it is ours and unchanged; returns whether it removed a file. */
export function uninstall(agentDir: string, hooks: InstallHooks = {}): boolean {
  const dir = extensionsOf(agentDir);
  const path = join(dir, COMPANION_FILE);
  return guarded(dir, () => {
    const now = judge(path);
    if (now === 'absent') return false;
    if (now === 'foreign')
      throw new Fault(
        'pi-link',
        `${path} was not written by Pi Accounts (or was edited since); it is left as it is.`,
        'Remove it yourself if you no longer want it.',
      );
    hooks.beforeCommit?.();
    const aside = moveAside(path, now.sha);
    if (aside) unlinkQuiet(aside);
    return aside !== undefined;
  });
}

interface Written {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

/** Creates a new file under a random name, exclusively and without following a link. */
function writeExclusive(dir: string, text: string): Written {
  const path = join(dir, `.${COMPANION_FILE}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
    const st = fstatSync(fd);
    return { path, dev: st.dev, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}

/** The temp file is still the file we wrote (same device and inode, a plain file). */
function checkOurs(tmp: Written, target: string): void {
  const st = lstatSync(tmp.path);
  if (!st.isFile() || st.dev !== tmp.dev || st.ino !== tmp.ino) throw raceFault(target);
}

/** Puts the new file in place only if nothing is there: link(2) never replaces. */
function linkNew(tmp: Written, path: string): void {
  checkOurs(tmp, path);
  try {
    linkSync(tmp.path, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw raceFault(path);
    throw e;
  }
}

/** Replaces our old companion: moves it aside, checks what moved, links the new one in. */
function replaceOurs(tmp: Written, path: string, oldSha: string): void {
  checkOurs(tmp, path);
  const aside = moveAside(path, oldSha);
  try {
    linkNew(tmp, path);
  } finally {
    if (aside) unlinkQuiet(aside);
  }
}

/**
 * Renames the file at `path` to a random name and checks, on what moved, that it is our
 * companion with `expectedSha`. Anything else goes back (without replacing what may have
 * appeared meanwhile) and the step fails. Undefined when the file was gone already.
 */
function moveAside(path: string, expectedSha: string): string | undefined {
  const aside = `${path}.${randomBytes(12).toString('hex')}.old`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const moved = judge(aside);
  if (typeof moved === 'object' && moved.sha === expectedSha) return aside;
  try {
    linkSync(aside, path);
    unlinkSync(aside);
  } catch {
    // Something took the name meanwhile: the moved file stays beside it, under `aside`.
  }
  throw raceFault(path);
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Runs `fn`; a file-system error becomes a `pi-link` fault in words with what to do. */
function guarded<T>(dir: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Fault) throw e;
    throw installFault(dir, e as NodeJS.ErrnoException);
  }
}

/** Node's error codes (https://nodejs.org/api/errors.html#common-system-errors) in words. */
export function installFault(dir: string, e: NodeJS.ErrnoException): Fault {
  const code = e.code ?? 'unknown';
  const again = 'then run "Connect pi" again';
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return new Fault(
        'pi-link',
        `pi's extensions folder ${dir} is a file (or lies under one), not a folder, so the companion cannot go there.`,
        `Move that file away (pi loads extensions from a folder of that name), ${again}.`,
        { code },
      );
    case 'EACCES':
    case 'EPERM':
      return new Fault(
        'pi-link',
        `Pi Accounts may not write in pi's extensions folder ${dir} (permission denied).`,
        `Make the folder writable for your user (for example: chmod u+w "${dir}"), ${again}.`,
        { code },
      );
    case 'EROFS':
      return new Fault(
        'pi-link',
        `pi's extensions folder ${dir} is on a read-only file system.`,
        `Point pi at a writable agent folder (PI_CODING_AGENT_DIR), ${again}.`,
        { code },
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new Fault(
        'pi-link',
        `There is no space left to write the pi companion in ${dir}.`,
        `Free some space, ${again}.`,
        {
          code,
        },
      );
    default:
      return new Fault(
        'pi-link',
        `The pi companion could not be written in ${dir} (${code}).`,
        `Check that folder, ${again}.`,
        {
          code,
        },
      );
  }
}
