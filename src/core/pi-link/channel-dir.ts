// Where the channel lives: one Unix socket per Pi Accounts window in a directory only this user
// can enter. Chosen over files in pi's agent directory because a socket carries answers back
// (pi waits for the decision before retrying), needs no polling, and leaves nothing on disk but
// an empty socket node; the 0700 directory keeps other users out (socket permissions alone are
// not honoured everywhere, see unix(7)).
import { lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fault } from '../faults';
import { processAlive } from '../process-alive';

/** Tests point both sides at their own directory. */
export const CHANNEL_DIR_ENV = 'PI_ACCOUNTS_CHANNEL_DIR';

export function channelDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CHANNEL_DIR_ENV]) return env[CHANNEL_DIR_ENV];
  const uid = process.getuid?.() ?? 'user';
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'pi-accounts') : join(tmpdir(), `pi-accounts-${uid}`);
}

/** What `lstat` says of a path: enough to judge the directory and the sockets in it. */
export interface Owned {
  isDirectory(): boolean;
  isSocket(): boolean;
  readonly uid: number;
  readonly mode: number;
}

/**
 * Whether the channel directory is private to this user: a real directory (not a symlink, so
 * judge an lstat), owned by us, and closed to group and others. Anyone else could have created
 * the fallback under /tmp (0777, or theirs) and planted a socket there; the window and the
 * companion both refuse such a directory.
 */
export const isPrivateDir = (st: Owned, uid = process.getuid?.()): boolean =>
  st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;

/** Whether a window's socket in the (private) directory is a socket of this user. */
export const isOwnSocket = (st: Owned, uid = process.getuid?.()): boolean =>
  st.isSocket() && (uid === undefined || st.uid === uid);

/** Creates the directory 0700, or checks that an existing one is ours and private. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isPrivateDir(lstatSync(dir))) {
    throw new Fault(
      'pi-link',
      `The pi channel directory ${dir} is not a private directory of this user.`,
      'Remove it (or fix it to mode 0700, owned by you) and reload the window.',
    );
  }
}

/** Socket name of one window: its process id says whether it is still alive. */
export const socketName = (pid: number, nonce: string) => `window-${pid}-${nonce}.sock`;

/**
 * Removes the sockets of windows, and of pi processes offering their pins to their subagents
 * (`pi-<pid>-….pins`, the companion's inherit.ts), that are gone (a crash leaves its socket behind).
 */
export function removeStaleSockets(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(/^(?:window|pi)-(\d+)-/.exec(name)?.[1]);
    if (pid && !processAlive(pid)) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another window cleaned it first
      }
    }
  }
}
