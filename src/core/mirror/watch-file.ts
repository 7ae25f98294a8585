import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  dispose(): void;
}

/**
 * Calls `onChange` (debounced) when the file at `path()` is written, replaced, deleted or
 * created. The folder is watched, not the file: pi and editors replace files, which would
 * leave a file watch on a dead inode. A missing folder is checked again every few seconds.
 */
export function watchFile(
  path: () => string,
  onChange: () => void,
  opts: { debounceMs?: number; retryMs?: number } = {},
): FileWatch {
  let watcher: FSWatcher | undefined;
  let watched: string | undefined; // folder path and inode: a folder deleted and made again is new
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, opts.debounceMs ?? 250);
  };
  const arm = () => {
    if (disposed) return;
    const dir = dirname(path());
    const id = identity(dir);
    if (watcher && watched === id) return;
    watcher?.close();
    watcher = undefined;
    if (!id) return;
    try {
      watcher = watch(dir, (_event, name) => {
        if (name === null || name === basename(path())) fire();
      });
      watcher.on('error', () => {
        // The folder itself went away: watch again once it is back.
        watcher?.close();
        watcher = undefined;
        fire();
      });
      watched = id;
      fire(); // the folder (re)appeared: the file may have too
    } catch {
      watcher = undefined;
    }
  };
  arm();
  const poll = setInterval(arm, opts.retryMs ?? 5000);
  poll.unref?.();
  return {
    dispose() {
      disposed = true;
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function identity(dir: string): string | undefined {
  try {
    return `${dir}:${statSync(dir).ino}`;
  } catch {
    return undefined;
  }
}
