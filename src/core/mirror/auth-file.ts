import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  fsyncSync,
  lstatSync,
  openSync,
  promises as fs,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as Lockfile from 'proper-lockfile';
import * as z from 'zod/mini';
import { Fault, type PiFileDetails } from '../faults';
import { processAlive } from '../process-alive';

/** auth.json's top level: provider id → entry. Entries we do not manage are kept as they are. */
export type AuthData = Record<string, unknown>;

// An api_key entry with a key; pi 1.x also allows `env` values beside it (docs/providers.md).
const apiKeyEntrySchema = z.object({
  type: z.literal('api_key'),
  key: z.string(),
  env: z.optional(z.record(z.string().check(z.regex(/^[A-Z_][A-Z0-9_]*$/)), z.string())),
});
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

export function asApiKeyEntry(value: unknown): ApiKeyEntry | undefined {
  const r = apiKeyEntrySchema.safeParse(value);
  return r.success ? r.data : undefined;
}

// pi's own lock (proper-lockfile, the directory `auth.json.lock`). stale 30 s matches pi's
// refresh path, so we never break a lock pi holds across a slow token refresh; update every 5 s
// keeps our lock fresh for pi's synchronous path, which treats 10 s as stale.
const LOCK_OPTIONS = { realpath: false, stale: 30_000, update: 5_000 } as const;

// pi's synchronous writes (`set`, `remove`) try the lock every 20 ms, ten times
// (AuthStorage.acquireLockSyncWithRetry, @mariozechner/pi-coding-agent 0.73.1), and hold it for
// well under a millisecond. proper-lockfile's exponential retries (100 ms doubling to 10 s)
// meant pi took the lock back every time it came free and one of our writes waited 10–20 s.
// Trying every 5–20 ms still lost to pi's writers, which spin in between and take the lock
// again as soon as they free it (bench/auth-file.mjs: 0.4x pi's writes/s); every 2–8 ms, one
// mkdir per try, both sides get through. Jittered so that two windows do not fall into step;
// for as long as a lock pi holds may live before it counts as stale. pi 1.x backs off instead of
// spinning: see acquireLock.
const RETRY_MIN_MS = 2;
const RETRY_MAX_BASE_MS = 64;
const GIVE_UP_MS = LOCK_OPTIONS.stale + 5_000;

// Strict: bytes that are not UTF-8 would come back as U+FFFD and be written back altered, and a
// byte-order mark is something pi itself cannot read. Either makes the file unreadable to us.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseAuthJson(raw: string | Uint8Array, path: string): AuthData {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : UTF8.decode(raw));
  } catch (e) {
    throw corrupt(path, e instanceof TypeError ? 'it is not valid UTF-8 text' : (e as Error).message);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw corrupt(path, 'the top level is not a JSON object');
  return json as AuthData;
}

/** auth.json, or models.json (written through the same locked update): what faults name and open. */
function piFile(path: string): PiFileDetails {
  return { file: basename(path) === 'models.json' ? 'models.json' : 'auth.json', path };
}

function corrupt(path: string, why: string): Fault {
  const f = piFile(path);
  return new Fault(
    'mirror-corrupt',
    `pi's ${f.file} (${path}) cannot be read: ${why}. Pi Accounts left it unchanged and will not write to it.`,
    'Open the file and fix or remove it; your accounts in VS Code are safe.',
    f,
  );
}

function ioFault(path: string, e: unknown): Fault {
  const err = e as NodeJS.ErrnoException;
  const f = piFile(path);
  if (err.code === 'ELOCKED') {
    return new Fault(
      'mirror-locked',
      `pi's ${f.file} (${path}) is locked by another program.`,
      'Try again in a moment; if it stays locked, close pi and retry.',
      f,
    );
  }
  return new Fault(
    'mirror-io',
    `Could not update pi's ${f.file} (${path}): ${err.code ?? err.message}.`,
    'Check that the folder exists and is writable, or change "piAccounts.mirror.path".',
    f,
  );
}

export async function readAuthFile(path: string): Promise<AuthData | undefined> {
  let raw: Uint8Array;
  try {
    raw = await fs.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioFault(path, e);
  }
  return parseAuthJson(raw, path);
}

export interface UpdateResult {
  readonly written: boolean;
  /** The file had a mode wider than 0600 and was tightened. */
  readonly fixedMode: boolean;
}

/**
 * Locked read-merge-write, the way pi does it: take pi's lock, re-read, let `change` edit the
 * parsed object (returning false when nothing changed), write atomically with mode 0600.
 * An unparseable file is never written. `change` may await (a token refresh): the lock is kept
 * fresh meanwhile, and pi waits for it as it does for its own refreshes.
 */
export function updateAuthFile(
  path: string,
  change: (data: AuthData) => boolean | Promise<boolean>,
): Promise<UpdateResult> {
  return withAuthLock(path, async (target) => {
    await sweepDeadTempsNowAndThen(target);
    const { raw, owner } = readLocked(target);
    const data = raw === undefined ? {} : parseAuthJson(raw, path);
    const fixedMode = owner !== undefined && (owner.mode & 0o077) !== 0;
    if (!(await change(data))) {
      if (fixedMode) await fs.chmod(target, 0o600);
      return { written: false, fixedMode };
    }
    writeAtomic(target, JSON.stringify(data, null, 2), owner);
    return { written: true, fixedMode };
  });
}

/**
 * pi locks auth.json in two places (pi-coding-agent 0.73.1, FileAuthStorageBackend): its
 * synchronous reads and writes (startup, /login) next to the path as given (`realpath: false`),
 * its token refresh next to the resolved file (proper-lockfile's default, `realpath: true`). For
 * a symlinked auth.json (dotfiles managers) those are two locks, so we hold both: the path's
 * first, always in that order, so two of our writers never wait on each other crosswise.
 */
export function withAuthLock<T>(path: string, fn: (target: string) => Promise<T>): Promise<T> {
  return withFileLock(path, async () => {
    const target = realTarget(path);
    return target === path ? fn(target) : withFileLock(target, () => fn(target));
  });
}

/** Holds pi's lock on `path` (creating its folder, 0700) while `fn` runs. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  let release: (() => void) | undefined;
  try {
    release = await acquireLock(path);
    return await fn();
  } catch (e) {
    if (e instanceof Fault) throw e;
    throw ioFault(path, e);
  } finally {
    try {
      release?.();
    } catch {
      // a lock already gone (broken as stale) has nothing left to release
    }
  }
}

/**
 * pi's lock, tried as often as it may come free (see RETRY_MIN_MS). Each try is proper-lockfile's
 * synchronous `lockSync`: one mkdir, the same lock directory and stale rules as pi's.
 */
async function acquireLock(path: string): Promise<() => void> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (let madeFolder = false, tries = 0; ; tries++) {
    try {
      return lockfile().lockSync(path, { ...LOCK_OPTIONS, onCompromised: () => undefined });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !madeFolder) {
        await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
        madeFolder = true;
        continue;
      }
      if (code !== 'ELOCKED' || Date.now() > deadline) throw e;
      // pi 1.x backs off 10 ms·2ⁿ (base capped at 1 s, jitter ×1–2: auth-storage.js
      // acquireLockAsync, @earendil-works/pi-coding-agent 1.6.0). Retrying every 2–8 ms while pi
      // backs off took 98% of the writes under contention, pi's alike gave every writer 4 s waits
      // (bench/auth-file.mjs): doubling from 2 ms, capped at 64 ms, lets pi through (about a
      // quarter of the writes) with no write of ours waiting more than about a second.
      const base = Math.min(RETRY_MIN_MS * 2 ** tries, RETRY_MAX_BASE_MS);
      await new Promise((r) => setTimeout(r, base * (1 + Math.random())));
    }
  }
}

// Loaded on the first lock, not at activation: graceful-fs (under proper-lockfile) patches fs and
// signal-exit installs signal handlers when they load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockfile = (): typeof Lockfile => require('proper-lockfile') as typeof Lockfile;

// A symlinked auth.json (dotfile managers do this) must stay a symlink: write where it points.
// A link to a file that does not exist yet gets its target created, as pi does (it writes "{}"
// through the link), instead of being replaced by a regular file. Synchronous: it runs under
// pi's lock (see readLocked).
function realTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    // nothing there yet: a regular file will be created
  }
  if (!link) return path;
  const fd = openSync(path, 'a', 0o600); // follows the link; never truncates
  try {
    if (fstatSync(fd).size === 0) writeSync(fd, '{}');
  } finally {
    closeSync(fd);
  }
  return realpathSync(path);
}

/** Who owns the file and its mode, kept when it is rewritten. */
interface Owner {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/**
 * Under the lock, synchronously: pi holds its lock for well under a millisecond, and every
 * round trip through Node's thread pool while we hold it is time pi's writers wait.
 */
function readLocked(target: string): { raw?: Uint8Array; owner?: Owner } {
  let fd: number;
  try {
    fd = openSync(target, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  try {
    const st = fstatSync(fd);
    return { owner: { uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }, raw: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

const tempPrefix = (target: string) => `.${basename(target)}.`;

/**
 * A writer killed between writing its temp file and renaming it leaves the temp file behind.
 * Under the lock, ours whose process is gone are removed; anything else is left alone. Such
 * leftovers are rare, so a folder is looked at on the first write and then once a minute, not
 * on every write.
 */
const SWEEP_EVERY_MS = 60_000;
const sweptAt = new Map<string, number>();

async function sweepDeadTempsNowAndThen(target: string): Promise<void> {
  const last = sweptAt.get(target);
  if (last !== undefined && Date.now() - last < SWEEP_EVERY_MS) return;
  sweptAt.set(target, Date.now());
  await sweepDeadTemps(target);
}

async function sweepDeadTemps(target: string): Promise<void> {
  const prefix = tempPrefix(target);
  const names = await fs.readdir(dirname(target)).catch(() => [] as string[]);
  for (const name of names) {
    const pid =
      name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length).split('.')[0]) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid))
      await fs.rm(join(dirname(target), name), { force: true });
  }
}

/**
 * Temp file in the same folder, then rename: a reader sees the old file or the new one, never
 * half, and a writer killed midway leaves the old file (and a temp file the sweep removes).
 * No fsync: under load it cost 1–10 ms per write, more than all of pi's `set`, which itself
 * rewrites auth.json in place without one (@mariozechner/pi-coding-agent 0.73.1); a rename over
 * an existing file is flushed with the file's data on ext4 by default (auto_da_alloc,
 * https://docs.kernel.org/admin-guide/ext4.html). Synchronous, as it runs under pi's lock (see
 * readLocked).
 *
 * The file keeps the owner and group of `existing`: root (a devcontainer, sudo) must not take
 * another user's auth.json away from their pi. Where they cannot be kept, the file is written in
 * place, as pi always does (under the same lock).
 */
export function writeAtomic(target: string, text: string, existing?: Owner): void {
  const tmp = join(dirname(target), `${tempPrefix(target)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  let kept = true;
  try {
    if (existing && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) {
      try {
        fchownSync(fd, existing.uid, existing.gid);
      } catch {
        kept = false;
      }
    }
    if (kept) {
      writeFileSync(fd, text, 'utf8');
      fchmodSync(fd, 0o600); // the umask may have narrowed it further; never wider
    }
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  if (!kept) {
    rmSync(tmp, { force: true });
    return writeInPlace(target, text);
  }
  try {
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function writeInPlace(target: string, text: string): void {
  const fd = openSync(target, 'r+');
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0, 'utf8');
    fsyncSync(fd); // in place, a crash could leave it short: the one write that pays for a flush
    try {
      fchmodSync(fd, 0o600);
    } catch {
      // only the owner may; the text is written either way
    }
  } finally {
    closeSync(fd);
  }
}
