import * as z from 'zod/mini';
import { aborted, Fault } from '../faults';
import type { HttpResponse } from '../http';
import { codeText, oauthErrorCode } from './tokens';

// Some servers send numbers as strings; pi's clients multiply them, which accepts both.
const seconds = z.union([z.number(), z.string().check(z.regex(/^\d+(?:\.\d+)?$/))]);
const deviceSchema = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.optional(z.string()),
  expires_in: seconds,
  interval: z.optional(seconds),
});

/**
 * RFC 8628 intervals are seconds; a huge one overflowed setTimeout (which then fires after 1 ms)
 * and polled a thousand times a second, so intervals stay within 1–60 s and codes live 10 s–1 h.
 */
export const MIN_INTERVAL_S = 1;
export const MAX_INTERVAL_S = 60;
const MIN_CODE_LIFETIME_S = 10;
const MAX_CODE_LIFETIME_S = 3600;
const within = (n: number, min: number, max: number, fallback: number) =>
  Number.isNaN(n) ? fallback : Math.min(Math.max(n, min), max);

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
    throw new Fault(
      'oauth',
      `Could not start the device sign-in: the server answered ${res.status}${codeText(oauthErrorCode(res))}.`,
      'Try again in a moment.',
    );
  }
  const d = parsed.data;
  return {
    deviceCode: d.device_code,
    userCode: d.user_code,
    verificationUri: d.verification_uri,
    verificationUriComplete: d.verification_uri_complete,
    expiresIn: within(Number(d.expires_in), MIN_CODE_LIFETIME_S, MAX_CODE_LIFETIME_S, 900),
    interval: within(Number(d.interval ?? defaultInterval), MIN_INTERVAL_S, MAX_INTERVAL_S, defaultInterval),
  };
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
export async function pollDeviceToken(
  code: DeviceCode,
  poll: () => Promise<HttpResponse>,
  opts: PollOptions = {},
): Promise<HttpResponse> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const deadline = now() + code.expiresIn * 1000;
  const maxInterval = Math.min(opts.maxIntervalMs ?? Infinity, MAX_INTERVAL_S * 1000);
  let interval = within(code.interval * 1000, MIN_INTERVAL_S * 1000, maxInterval, MIN_INTERVAL_S * 1000);
  let slowed = false;
  for (;;) {
    // Never past the code's expiry: there is nothing to wait for after it.
    await sleep(Math.max(0, Math.min(interval * MARGIN, deadline - now())), opts.signal);
    if (opts.signal?.aborted) throw aborted();
    if (now() >= deadline) throw expired(code, slowed);
    const res = await poll();
    const error = oauthErrorCode(res);
    if (!error && res.status === 200) return res;
    switch (error) {
      case 'authorization_pending':
        continue;
      case 'slow_down': {
        const asked = z.object({ interval: seconds }).safeParse(res.json);
        interval = within(
          Math.max(interval + SLOW_DOWN_STEP_MS, asked.success ? Number(asked.data.interval) * 1000 : 0),
          MIN_INTERVAL_S * 1000,
          maxInterval,
          maxInterval,
        );
        slowed = true;
        continue;
      }
      case 'expired_token':
        throw expired(code, slowed);
      case 'access_denied':
        throw new Fault(
          'denied',
          'The sign-in was declined in the browser.',
          'Start the sign-in again and approve access.',
        );
      default:
        throw new Fault(
          res.status >= 500 ? 'network' : 'oauth',
          `The device sign-in failed: the server answered ${res.status}${codeText(error)}.`,
          'Start the sign-in again.',
        );
    }
  }
}

function expired(code: DeviceCode, slowed: boolean): Fault {
  const drift = slowed
    ? ' The server asked us to slow down: if this machine is a VM or WSL, check that its clock is right.'
    : '';
  return new Fault(
    'expired',
    `The code ${code.userCode} expired before it was approved.${drift}`,
    'Start the sign-in again and enter the new code.',
  );
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    // setTimeout takes at most 2^31-1 ms; anything longer fires after 1 ms.
    const t = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
