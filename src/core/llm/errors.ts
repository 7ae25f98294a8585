import { Fault } from '../faults';

/**
 * What went wrong with a model request, by what the caller can do about it. Rotation rests the
 * account on `rate-limited` and marks it on `unauthorized` / `forbidden`; the rest reach the caller.
 */
export type ModelErrorKind =
  | 'rate-limited'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'server'
  | 'request'
  /** A 2xx answer that is not a model stream (an HTML page, plain JSON): a wrong base URL or a proxy's page. */
  | 'not-a-stream'
  | 'stream';

const NEXT: Record<ModelErrorKind, string> = {
  'rate-limited': 'Wait until the account is no longer resting, or sign in to another account of this provider.',
  unauthorized: 'Check the key, or sign in again.',
  forbidden: 'This account may not use this model: pick another model, or check the plan or key permissions.',
  'not-found': 'Pick another model: this account does not offer this one.',
  server: 'The provider failed: try again in a moment.',
  request: 'The provider refused this request as sent: try another model, or shorten the conversation.',
  'not-a-stream': "Check the provider's base URL (the account's request settings, or a proxy in between).",
  stream: 'Try again; the log has the details.',
};

/** A failed model request, typed for rotation and for the caller (see src/vscode/language-models.ts). */
export class ModelError extends Fault {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly retryAt?: number,
    readonly status?: number,
  ) {
    super(kind === 'unauthorized' ? 'needs-sign-in' : kind === 'forbidden' ? 'denied' : 'network', message, NEXT[kind]);
  }
}

/**
 * The `vscode.LanguageModelError` code a caller gets per failure class. The API documents
 * NoPermissions, Blocked and NotFound for callers to branch on; the other classes get their own
 * name ("names of errors … or Unknown", vscode.d.ts LanguageModelError.code).
 */
export type CallerCode =
  'NoPermissions' | 'Blocked' | 'NotFound' | 'BadRequest' | 'ServerError' | 'InvalidResponse' | 'Unknown';

export function callerCode(e: unknown): CallerCode {
  if (e instanceof ModelError)
    switch (e.kind) {
      case 'rate-limited':
        return 'Blocked';
      case 'unauthorized':
      case 'forbidden':
        return 'NoPermissions';
      case 'not-found':
        return 'NotFound';
      case 'request':
        return 'BadRequest';
      case 'server':
        return 'ServerError';
      case 'not-a-stream':
        return 'InvalidResponse';
      default:
        return 'Unknown';
    }
  // No usable account (src/core/llm/model-bridge.ts): a sign-in is what is missing.
  if (e instanceof Fault && (e.code === 'not-found' || e.code === 'needs-sign-in')) return 'NoPermissions';
  return 'Unknown';
}
