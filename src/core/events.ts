// A tiny event emitter so src/core stays free of the vscode module.
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch {
        // A broken listener must not stop the others (terminal, mirror, view) from updating.
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/**
 * `fn` once for any number of calls in the same turn: one change often arrives through two
 * paths (a vault change that also switches the active account), and the work is the same.
 */
export function coalesced(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      fn();
    });
  };
}
