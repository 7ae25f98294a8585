// A tiny event emitter so src/core stays free of the vscode module.
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

/** Where a listener's error goes: the root points this at the log (redacted there). */
let reportListenerError: (what: string, e: unknown) => void = () => undefined;

/** Sends every listener error, with the event it came from, to `report` until disposed. */
export function reportListenerErrors(report: (what: string, e: unknown) => void): Disposable {
  reportListenerError = report;
  return { dispose: () => (reportListenerError = () => undefined) };
}

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  /** `what` names the event in the log line of a listener that failed ("the vault's change"). */
  constructor(private readonly what = 'an event') {}

  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (e) {
        // A broken listener must not stop the others (terminal, mirror, view) from updating,
        // and must not go unseen either.
        reportListenerError(this.what, e);
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
