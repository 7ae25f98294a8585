import { randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as lockfile from 'proper-lockfile';
import * as z from 'zod/mini';
import { Fault } from '../faults';

/** auth.json's top level: provider id → entry. Entries we do not manage are kept as they are. */
export type AuthData = Record<string, unknown>;

const apiKeyEntrySchema = z.object({ type: z.literal('api_key'), key: z.string() });
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

export function asApiKeyEntry(value: unknown): ApiKeyEntry | undefined {
  const r = apiKeyEntrySchema.safeParse(value);
  return r.success ? r.data : undefined;
}

// pi's own lock (proper-lockfile, the directory `auth.json.lock`). stale 30 s matches pi's
// refresh path, so we never break a lock pi holds across a slow token refresh; update every 5 s
// keeps our lock fresh for pi's synchronous path, which treats 10 s as stale.
const LOCK_OPTIONS: lockfile.LockOptions = {
  realpath: false,
  stale: 30_000,
  update: 5_000,
  retries: { retries: 10, factor: 2, minTimeout: 100, maxTimeout: 10_000, randomize: true },
};

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
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw corrupt(path, 'the top level is not a JSON object');
  return json as AuthData;
}

function corrupt(path: string, why: string): Fault {
  return new Fault('mirror-corrupt', `pi's auth.json (${path}) cannot be read: ${why}. Pi Accounts left it unchanged and will not write to it.`, 'Open the file and fix or remove it; your accounts in VS Code are safe.', { path });
}

function ioFault(path: string, e: unknown): Fault {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ELOCKED') {
    return new Fault('mirror-locked', `pi's auth.json (${path}) is locked by another program.`, 'Try again in a moment; if it stays locked, close pi and retry.', { path });
  }
  return new Fault('mirror-io', `Could not update pi's auth.json (${path}): ${err.code ?? err.message}.`, 'Check that the folder exists and is writable, or change "piAccounts.mirror.path".', { path });
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
export function updateAuthFile(path: string, change: (data: AuthData) => boolean | Promise<boolean>): Promise<UpdateResult> {
  return withAuthLock(path, async (target) => {
    await sweepDeadTemps(target);
    let raw: Uint8Array | undefined;
    let stat: Stats | undefined;
    try {
      raw = await fs.readFile(target);
      stat = await fs.stat(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const data = raw === undefined ? {} : parseAuthJson(raw, path);
    const fixedMode = stat !== undefined && (stat.mode & 0o077) !== 0;
    if (!(await change(data))) {
      if (fixedMode) await fs.chmod(target, 0o600);
      return { written: false, fixedMode };
    }
    await writeAtomic(target, JSON.stringify(data, null, 2), stat);
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
    const target = await realTarget(path);
    return target === path ? fn(target) : withFileLock(target, () => fn(target));
  });
}

/** Holds pi's lock on `path` (creating its folder, 0700) while `fn` runs. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  let release: (() => Promise<void>) | undefined;
  try {
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    release = await lockfile.lock(path, { ...LOCK_OPTIONS, onCompromised: () => undefined });
    return await fn();
  } catch (e) {
    if (e instanceof Fault) throw e;
    throw ioFault(path, e);
  } finally {
    await release?.().catch(() => undefined);
  }
}

// A symlinked auth.json (dotfile managers do this) must stay a symlink: write where it points.
// A link to a file that does not exist yet gets its target created, as pi does (it writes "{}"
// through the link), instead of being replaced by a regular file.
async function realTarget(path: string): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const link = await fs.lstat(path).catch(() => undefined);
  if (!link?.isSymbolicLink()) return path;
  const handle = await fs.open(path, 'a', 0o600); // follows the link; never truncates
  try {
    if ((await handle.stat()).size === 0) await handle.writeFile('{}', 'utf8');
  } finally {
    await handle.close();
  }
  return fs.realpath(path);
}

const tempPrefix = (target: string) => `.${basename(target)}.`;

/**
 * A writer killed between writing its temp file and renaming it leaves the temp file behind.
 * Under the lock, ours whose process is gone are removed; anything else is left alone.
 */
async function sweepDeadTemps(target: string): Promise<void> {
  const prefix = tempPrefix(target);
  const names = await fs.readdir(dirname(target)).catch(() => [] as string[]);
  for (const name of names) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length).split('.')[0]) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await fs.rm(join(dirname(target), name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temp file in the same folder, fsync, rename: a reader sees the old file or the new one, never
 * half. The file keeps the owner and group of `existing`: root (a devcontainer, sudo) must not
 * take another user's auth.json away from their pi. Where they cannot be kept, the file is
 * written in place, as pi always does (under the same lock).
 */
export async function writeAtomic(target: string, text: string, existing?: Stats): Promise<void> {
  const tmp = join(dirname(target), `${tempPrefix(target)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', 0o600);
  let kept = true;
  try {
    if (existing && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) {
      kept = await handle.chown(existing.uid, existing.gid).then(() => true, () => false);
    }
    if (kept) {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    }
  } finally {
    await handle.close();
  }
  if (!kept) {
    await fs.rm(tmp, { force: true });
    return writeInPlace(target, text);
  }
  try {
    await fs.chmod(tmp, 0o600); // the umask may have narrowed it further; never wider
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

async function writeInPlace(target: string, text: string): Promise<void> {
  const handle = await fs.open(target, 'r+');
  try {
    await handle.truncate(0);
    await handle.write(text, 0, 'utf8');
    await handle.sync();
    await handle.chmod(0o600).catch(() => undefined); // only the owner may; the text is written either way
  } finally {
    await handle.close();
  }
}
