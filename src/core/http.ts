import type { Dispatcher } from 'undici';
import { version } from '../../package.json';
import { undici } from './undici';
import { parseJson } from './json';
import { Fault } from './faults';
import { networkFault } from './network-words';

export interface HttpOptions {
  /** A ProxyAgent built from VS Code's `http.proxy`, or a test's agent. */
  readonly dispatcher?: Dispatcher;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Read at most this many bytes of the body (default MAX_BODY); a longer one is a `network`
   * fault and is not read further. 0: the status and headers are all the caller needs, the
   * body is not read at all (a key check).
   */
  readonly maxBytes?: number;
  /** A body longer than `maxBytes` is cut there (the rest unread) instead of being a fault. */
  readonly truncate?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. Validate it before use. */
  readonly json: unknown;
}

const DEFAULT_TIMEOUT = 30_000;
/**
 * The largest body read by default. Token, device and usage answers are a few KB; the largest
 * answer read is a models listing (OpenRouter's lists a few hundred models, about 1 MB).
 */
export const MAX_BODY = 4 * 1024 * 1024;

/**
 * Who we are, on every request unless a provider sends its own client identity (Copilot's
 * editor headers, Cline's, Kimi's). undici adds no User-Agent, and Anthropic's token endpoint
 * refuses an empty one (as well as Claude Code's own, claude-cli/… or claude-code/…).
 */
export const USER_AGENT = `pi-accounts/${version}`;

function withUserAgent(headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')
    ? { ...headers }
    : { 'user-agent': USER_AGENT, ...headers };
}

/**
 * One HTTP exchange. Transport failures become a `network` fault that names the host and the
 * cause, never the URL's query or a body: those can carry codes and tokens.
 */
export async function http(
  method: 'GET' | 'POST',
  url: string,
  body: string | undefined,
  opts: HttpOptions = {},
): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT;
  const signal = opts.signal
    ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
    : AbortSignal.timeout(timeoutMs);
  const host = safeHost(url);
  const maxBytes = opts.maxBytes ?? MAX_BODY;
  try {
    const request = undici().request(url, {
      method,
      body,
      headers: withUserAgent(opts.headers),
      dispatcher: opts.dispatcher,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const res = await untilAborted(request, signal);
    if (maxBytes === 0) {
      discard(res.body); // not read: the connection closes instead of draining a body nobody needs
      return { status: res.statusCode, headers: res.headers, text: '', json: undefined };
    }
    const text = await readCapped(res.body, maxBytes, Number(res.headers['content-length']), opts.truncate);
    if (text === undefined) throw tooLarge(host, maxBytes);
    return { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
  } catch (e) {
    if (e instanceof Fault) throw e;
    if (opts.signal?.aborted) throw new Fault('aborted', 'Cancelled.');
    const err = e as Error & { code?: string };
    const timedOut =
      err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
    throw networkFault(host, err.code ?? err.name, timedOut ? timeoutMs : undefined);
  }
}

type Body = { destroy(): unknown; on(event: 'error', listener: () => void): unknown };

/** Stops a body unread; undici reports that as an error nobody needs to hear. */
function discard(body: Body): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * `request`, or the signal's reason as soon as it aborts. undici honours the signal only once a
 * request has a connection: one waiting for a tunnel through a proxy that never answers CONNECT
 * would outlive its timeout (undici 7.x). What undici delivers later is discarded.
 */
async function untilAborted<T extends { body: Body }>(request: Promise<T>, signal: AbortSignal) {
  let stop: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    stop = () => reject(signal.reason as Error);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  try {
    return await Promise.race([request, aborted]);
  } finally {
    if (stop) signal.removeEventListener('abort', stop);
    aborted.catch(() => undefined);
    request.then(
      (late) => signal.aborted && discard(late.body),
      () => undefined,
    );
  }
}

/** The body as UTF-8 text, reading at most `max` bytes; undefined (and the rest unread) when longer. */
async function readCapped(
  body: AsyncIterable<Buffer> & Body,
  max: number,
  declared: number,
  truncate = false,
): Promise<string | undefined> {
  if (declared > max && !truncate) {
    discard(body);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      discard(body);
      if (!truncate) return undefined;
      chunks.push(chunk.subarray(0, chunk.length - (size - max)));
      size = max;
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

const tooLarge = (host: string, max: number) =>
  new Fault(
    'network',
    `${host} sent an answer larger than ${Math.round(max / 1024)} KB; Pi Accounts stopped reading it.`,
    "Check the server's address (and, behind a proxy, VS Code's http.proxy); then try again.",
    { code: 'BODY_TOO_LARGE', host },
  );

export const postForm = (url: string, fields: Record<string, string>, opts: HttpOptions = {}) =>
  http('POST', url, new URLSearchParams(fields).toString(), {
    ...opts,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...opts.headers },
  });

export const postJson = (url: string, body: unknown, opts: HttpOptions = {}) =>
  http('POST', url, JSON.stringify(body), {
    ...opts,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...opts.headers },
  });

export const getJson = (url: string, opts: HttpOptions = {}) =>
  http('GET', url, undefined, { ...opts, headers: { accept: 'application/json', ...opts.headers } });

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}
