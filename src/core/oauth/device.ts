import * as z from 'zod/mini';
import { aborted, Fault } from '../faults';
import type { HttpResponse } from '../http';
import { oauthErrorCode } from './tokens';

const deviceSchema = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.optional(z.string()),
  expires_in: z.number(),
  interval: z.optional(z.number()),
});

export interface DeviceCode {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  readonly expiresIn: number;
  readonly interval: number;
}

export function parseDeviceCode(res: HttpResponse, defaultInterval = 5): DeviceCode {
  const parsed = deviceSchema.safeParse(res.json);
  if (res.status !== 200 || !parsed.success) {
    throw new Fault('oauth', `Could not start the device sign-in: the server answered ${res.status}${oauthErrorCode(res) ? ` (${oauthErrorCode(res)})` : ''}.`, 'Try again in a moment.');
  }
  const d = parsed.data;
  return { deviceCode: d.device_code, userCode: d.user_code, verificationUri: d.verification_uri, verificationUriComplete: d.verification_uri_complete, expiresIn: d.expires_in, interval: d.interval ?? defaultInterval };
}

export interface PollOptions {
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Some servers cap how far slow_down may push the interval (Qwen: 10 s). */
  readonly maxIntervalMs?: number;
}

const SLOW_DOWN_STEP_MS = 5000;
// Poll a little later than asked: a VM clock that runs fast otherwise earns slow_down forever.
const MARGIN = 1.1;

/**
 * RFC 8628 polling: authorization_pending waits, slow_down adds 5 s (or takes the server's
 * new interval), expired_token and access_denied end it with a typed fault, and so do
 * cancellation and the code's own expiry. Returns the successful token response.
 */
export async function pollDeviceToken(code: DeviceCode, poll: () => Promise<HttpResponse>, opts: PollOptions = {}): Promise<HttpResponse> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const deadline = now() + code.expiresIn * 1000;
  let interval = Math.max(1000, code.interval * 1000);
  let slowed = false;
  for (;;) {
    await sleep(interval * MARGIN, opts.signal);
    if (opts.signal?.aborted) throw aborted();
    if (now() >= deadline) throw expired(code, slowed);
    const res = await poll();
    const error = oauthErrorCode(res);
    if (!error && res.status === 200) return res;
    switch (error) {
      case 'authorization_pending':
        continue;
      case 'slow_down': {
        const asked = z.object({ interval: z.number() }).safeParse(res.json);
        interval = Math.min(Math.max(interval + SLOW_DOWN_STEP_MS, asked.success ? asked.data.interval * 1000 : 0), opts.maxIntervalMs ?? Infinity);
        slowed = true;
        continue;
      }
      case 'expired_token':
        throw expired(code, slowed);
      case 'access_denied':
        throw new Fault('denied', 'The sign-in was declined in the browser.', 'Start the sign-in again and approve access.');
      default:
        throw new Fault(res.status >= 500 ? 'network' : 'oauth', `The device sign-in failed: the server answered ${res.status}${error ? ` (${error})` : ''}.`, 'Start the sign-in again.');
    }
  }
}

function expired(code: DeviceCode, slowed: boolean): Fault {
  const drift = slowed ? ' The server asked us to slow down: if this machine is a VM or WSL, check that its clock is right.' : '';
  return new Fault('expired', `The code ${code.userCode} expired before it was approved.${drift}`, 'Start the sign-in again and enter the new code.');
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
