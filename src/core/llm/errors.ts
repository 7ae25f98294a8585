import { Fault } from '../faults';

/** A failed model request, typed for rotation: rate limits rest the account, 401 marks it. */
export class ModelError extends Fault {
  constructor(
    readonly kind: 'rate-limited' | 'unauthorized' | 'server' | 'request' | 'stream',
    message: string,
    readonly retryAt?: number,
  ) {
    super(
      kind === 'unauthorized' ? 'needs-sign-in' : 'network',
      message,
      kind === 'unauthorized' ? 'Check the key, or sign in again.' : 'Try again in a moment.',
    );
  }
}
