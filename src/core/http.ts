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
  try {
    const res = await undici().request(url, {
      method,
      body,
      headers: withUserAgent(opts.headers),
      dispatcher: opts.dispatcher,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
  } catch (e) {
    if (opts.signal?.aborted) throw new Fault('aborted', 'Cancelled.');
    const err = e as Error & { code?: string };
    const timedOut =
      err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
    throw networkFault(host, err.code ?? err.name, timedOut ? timeoutMs : undefined);
  }
}

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
