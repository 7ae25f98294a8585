import type { Dispatcher } from 'undici';
import { undici } from './undici';
import { parseJson } from './json';
import { Fault } from './faults';

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
 * One HTTP exchange. Transport failures become a `network` fault that names the host and the
 * cause, never the URL's query or a body: those can carry codes and tokens.
 */
export async function http(method: 'GET' | 'POST', url: string, body: string | undefined, opts: HttpOptions = {}): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT;
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  const host = safeHost(url);
  try {
    const res = await undici().request(url, { method, body, headers: { ...opts.headers }, dispatcher: opts.dispatcher, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
  } catch (e) {
    if (opts.signal?.aborted) throw new Fault('aborted', 'Cancelled.');
    const err = e as Error & { code?: string };
    const timedOut = err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
    const why = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err.code ?? err.name);
    throw new Fault('network', `Could not reach ${host}: ${why}.`, 'Check your connection and proxy settings (http.proxy), then try again.');
  }
}

export interface StreamResponse {
  readonly status: number;
  readonly headers: HttpResponse['headers'];
  /** The body as it arrives; read it, or call `text()` for an error body. */
  readonly body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
}

/**
 * A JSON POST whose answer is read as a stream (server-sent events). Only the wait for the
 * headers is timed; the body streams as long as it needs to, until `signal` cancels it.
 */
export async function postJsonStream(url: string, body: unknown, opts: HttpOptions = {}): Promise<StreamResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT;
  try {
    const res = await undici().request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...opts.headers }, dispatcher: opts.dispatcher, signal: opts.signal, headersTimeout: timeoutMs, bodyTimeout: 0 });
    return { status: res.statusCode, headers: res.headers, body: res.body, text: () => res.body.text() };
  } catch (e) {
    if (opts.signal?.aborted) throw new Fault('aborted', 'Cancelled.');
    const err = e as Error & { code?: string };
    throw new Fault('network', `Could not reach ${safeHost(url)}: ${err.code === 'UND_ERR_HEADERS_TIMEOUT' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err.code ?? err.name)}.`, 'Check your connection and proxy settings (http.proxy), then try again.');
  }
}

export const postForm = (url: string, fields: Record<string, string>, opts: HttpOptions = {}) =>
  http('POST', url, new URLSearchParams(fields).toString(), { ...opts, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...opts.headers } });

export const postJson = (url: string, body: unknown, opts: HttpOptions = {}) =>
  http('POST', url, JSON.stringify(body), { ...opts, headers: { 'content-type': 'application/json', accept: 'application/json', ...opts.headers } });

export const getJson = (url: string, opts: HttpOptions = {}) => http('GET', url, undefined, { ...opts, headers: { accept: 'application/json', ...opts.headers } });

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}
