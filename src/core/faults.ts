// Every failure a person can meet is one of these codes, so the UI can say what happened and
// what to do next in one place, and callers can tell "cancelled" from "broken".
export type FaultCode =
  | 'unknown-provider'
  | 'invalid-key'
  | 'invalid-account'
  | 'name-collision'
  | 'not-found'
  | 'vault'
  | 'aborted'
  | 'mirror-corrupt'
  | 'mirror-io'
  | 'mirror-locked'
  | 'network'
  | 'denied'
  | 'oauth'
  | 'expired'
  | 'needs-sign-in'
  | 'usage'
  | 'port-in-use'
  | 'pi-link'
  /** Not one of ours (a bug, or a library's error): shown with a pointer to the log. */
  | 'unexpected';

export class Fault extends Error {
  constructor(
    readonly code: FaultCode,
    message: string,
    /** What the person can do about it; shown after the message. */
    readonly nextStep?: string,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = `Fault(${code})`;
  }
}

export function isFault(e: unknown, code?: FaultCode): e is Fault {
  return e instanceof Fault && (code === undefined || e.code === code);
}

export const aborted = (): Fault => new Fault('aborted', 'Cancelled.');

/** The message of anything thrown, for a log line (the log redacts). */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One line for a notification: what happened, then what to do. */
export function describe(e: unknown): string {
  if (e instanceof Fault) return e.nextStep ? `${e.message} ${e.nextStep}` : e.message;
  return `Unexpected error: ${messageOf(e)}. See the "Pi Accounts" log for details.`;
}
