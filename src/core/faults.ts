// Every failure a person can meet is one of these codes, so the UI can say what happened and
// what to do next in one place, and callers can tell "cancelled" from "broken".
export type FaultCode =
  | 'unknown-provider'
  | 'invalid-key'
  | 'invalid-account'
  /** A command, another extension or a keybinding passed arguments of the wrong shape. */
  | 'invalid-arguments'
  | 'name-collision'
  | 'not-found'
  | 'vault'
  | 'aborted'
  | 'mirror-corrupt'
  | 'mirror-io'
  | 'mirror-locked'
  | 'network'
  /** The credential changed while we were using it (another window refreshed it): try again. */
  | 'changed-meanwhile'
  | 'denied'
  | 'oauth'
  | 'expired'
  | 'needs-sign-in'
  | 'usage'
  | 'port-in-use'
  | 'pi-link'
  /** pi's provider layer (the model bundle, dist/pi-ai.js) could not be loaded: the install is damaged. */
  | 'model-layer-failed'
  /** A key kept in a password manager could not be read (not installed, locked, no such entry). */
  | 'secret-ref'
  /** Not one of ours (a bug, or a library's error): shown with a pointer to the log. */
  | 'unexpected';

/** Which of pi's files a fault is about: the UI opens that one, with its plain-text warning. */
export interface PiFileDetails {
  readonly file: 'auth.json' | 'models.json';
  readonly path: string;
}

/** What the UI needs to offer the action that helps, per code (src/vscode/faults-ui.ts). */
export interface FaultDetailsOf {
  readonly network: { readonly host: string; readonly code: string; readonly proxy?: 'maybe' };
  readonly 'needs-sign-in': { readonly provider?: string; readonly account?: string };
  /** `signIn`: the provider to sign in to, or 'any'. */
  readonly 'not-found': { readonly signIn?: string };
  readonly 'mirror-corrupt': PiFileDetails;
  readonly 'mirror-io': PiFileDetails;
  readonly 'mirror-locked': PiFileDetails;
  readonly 'secret-ref': {
    readonly tool: 'op' | 'pass' | 'gopass' | 'security' | 'bws' | 'command';
    readonly reason: 'not-installed' | 'locked' | 'not-found' | 'failed';
  };
}

export type FaultDetails<C extends FaultCode> = C extends keyof FaultDetailsOf
  ? FaultDetailsOf[C]
  : Readonly<Record<string, string>>;

/** Codes whose failure may pass on its own: `withRetry` tries again, the UI offers Try Again. */
const RETRYABLE: ReadonlySet<FaultCode> = new Set(['network', 'changed-meanwhile', 'mirror-locked']);

export class Fault<C extends FaultCode = FaultCode> extends Error {
  /** Whether trying the same thing again may work (a network failure, a credential that moved on). */
  readonly retryable: boolean;

  constructor(
    readonly code: C,
    message: string,
    /** What the person can do about it; shown after the message. */
    readonly nextStep?: string,
    readonly details: FaultDetails<C> = {} as FaultDetails<C>,
  ) {
    super(message);
    this.name = `Fault(${code})`;
    this.retryable = RETRYABLE.has(code);
  }
}

/** The typed details of `e` when it is a fault of `code`. */
export function detailsOf<C extends keyof FaultDetailsOf>(e: Fault, code: C): FaultDetailsOf[C] | undefined {
  return e.code === code ? (e.details as FaultDetailsOf[C]) : undefined;
}

export function isFault<C extends FaultCode = FaultCode>(e: unknown, code?: C): e is Fault<C> {
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
