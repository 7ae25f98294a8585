import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { aborted, Fault } from '../faults';
import { codeText } from './tokens';

export interface LoopbackOptions {
  /** The port the provider's registered redirect URI names (e.g. 53692, 1455). */
  readonly port: number;
  /** The redirect path, e.g. `/callback`. */
  readonly path: string;
  /** Checked on every callback; undefined only for a provider that sends none (Cline). */
  readonly state: string | undefined;
  /** Query parameters that may carry the code, first present wins (default: `code`). */
  readonly codeParams?: readonly string[];
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Only ever loopback; pi honours PI_OAUTH_CALLBACK_HOST, so may a caller. */
  readonly host?: string;
}

export interface Loopback {
  /** Resolves with the authorization code of the first callback whose state matches. */
  readonly code: Promise<string>;
  /** The whole query of that callback, once it came (Cline's also names the identity provider). */
  readonly query: () => URLSearchParams | undefined;
  readonly port: number;
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui;margin:4em auto;max-width:32em"><h1>${title}</h1><p>${body}</p></body>`;

/**
 * Waits for the provider's redirect on 127.0.0.1. Requests with another Host header (DNS
 * rebinding), another path, or another state (someone else's sign-in) are answered and
 * ignored; the server closes after the first valid callback, on cancel, or on timeout.
 */
export async function startLoopback(opts: LoopbackOptions): Promise<Loopback> {
  const host = opts.host ?? '127.0.0.1';
  let settle!: { resolve(code: string): void; reject(e: unknown): void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  code.catch(() => undefined); // the caller may stop listening after a cancel

  let query: URLSearchParams | undefined;
  let allowedHosts = new Set<string>(); // filled once the port is known (0 = any free port)
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, title: string, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(title, body));
    };
    if (!allowedHosts.has(req.headers.host ?? ''))
      return reply(400, 'Wrong address', 'This page only answers on localhost.');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (req.method !== 'GET' || url.pathname !== opts.path) return reply(404, 'Not found', 'Nothing here.');
    if (opts.state !== undefined && url.searchParams.get('state') !== opts.state) {
      return reply(
        400,
        'Sign-in not recognised',
        'This answer belongs to another sign-in attempt. Return to VS Code and try again.',
      );
    }
    const error = url.searchParams.get('error');
    if (error) {
      reply(200, 'Sign-in cancelled', 'You can close this tab and return to VS Code.');
      return finish(
        new Fault(
          'denied',
          `The provider refused the sign-in${codeText(error)}.`,
          'Start the sign-in again and approve access in the browser.',
        ),
      );
    }
    const value = (opts.codeParams ?? ['code']).map((k) => url.searchParams.get(k)).find(Boolean);
    if (!value)
      return reply(400, 'No code', 'The provider sent no authorization code. Return to VS Code and try again.');
    reply(200, 'Signed in', 'You can close this tab and return to VS Code.');
    query = url.searchParams;
    finish(undefined, value);
  });

  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => finish(aborted());
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  function finish(error?: unknown, value?: string) {
    if (error) settle.reject(error);
    else settle.resolve(value!);
    void close();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Fault(
              'port-in-use',
              `Port ${opts.port} on ${host} is in use, so the browser cannot hand the sign-in back directly.`,
              'Paste the code instead, or close the program using that port.',
            )
          : e,
      ),
    );
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  allowedHosts = new Set([`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `${host}:${port}`]);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.timeoutMs) {
    timer = setTimeout(
      () => finish(new Fault('expired', 'The sign-in timed out waiting for the browser.', 'Start the sign-in again.')),
      opts.timeoutMs,
    );
  }
  return { code, query: () => query, port, close };
}
