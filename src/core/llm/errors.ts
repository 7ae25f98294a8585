import { Fault, isFault } from '../faults';
import type { HttpResponse, StreamResponse } from '../http';
import { retryAfter } from '../quota/usage';

/** A failed model request, typed for rotation: rate limits rest the account, 401 marks it. */
export class ModelError extends Fault {
  constructor(
    readonly kind: 'rate-limited' | 'unauthorized' | 'server' | 'request' | 'stream',
    message: string,
    readonly retryAt?: number,
  ) {
    super(kind === 'unauthorized' ? 'needs-sign-in' : 'network', message, kind === 'unauthorized' ? 'Check the key, or sign in again.' : 'Try again in a moment.');
  }
}

// Provider bodies on errors are short JSON; only their error type/message is kept, never echoed
// request content. Bodies can quote the prompt, so they are cut short too.
function summary(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string; type?: string } | string; message?: string };
    const e = typeof j.error === 'object' ? j.error : undefined;
    return (e?.message ?? (typeof j.error === 'string' ? j.error : undefined) ?? j.message ?? '').slice(0, 200);
  } catch {
    return '';
  }
}

/** Any non-2xx answer as a ModelError; 429 and 529 (overloaded) carry when to try again. */
export function modelError(res: HttpResponse, provider: string, now = Date.now()): ModelError {
  const detail = summary(res.text);
  const what = `${provider} answered ${res.status}${detail ? `: ${detail}` : ''}`;
  if (res.status === 429 || res.status === 529 || /overloaded/i.test(detail)) return new ModelError('rate-limited', what, retryAfter(res, now) ?? now + 60_000);
  if (res.status === 401 || res.status === 403) return new ModelError('unauthorized', what);
  if (res.status >= 500) return new ModelError('server', what);
  return new ModelError('request', what);
}

/** A streamed answer whose status is not 200, as a ModelError (the body read for its summary). */
export async function streamRefused(res: StreamResponse, provider: string): Promise<ModelError> {
  return modelError({ status: res.status, headers: res.headers, text: await res.text().catch(() => ''), json: undefined }, provider);
}

/** What broke a stream that had started: typed faults as they are, anything else a stream error. */
export function streamBroke(err: unknown, provider: string, signal: AbortSignal | undefined): never {
  if (err instanceof ModelError || isFault(err)) throw err;
  if (signal?.aborted) throw new ModelError('stream', 'Cancelled.');
  throw new ModelError('stream', `The answer from ${provider} broke off: ${(err as Error).message}`);
}
