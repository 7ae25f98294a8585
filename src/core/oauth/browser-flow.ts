import { isFault } from '../faults';
import { startLoopback, type Loopback } from './loopback';
import { parsePastedCode } from './paste';
import { createPkce, type Pkce } from './pkce';
import type { LoginUi } from './provider';

export interface BrowserFlowOptions {
  readonly authorizeUrl: string;
  readonly clientId: string;
  readonly port: number;
  readonly path: string;
  /** Provider-specific authorize parameters (scope, flags), added to the standard ones. */
  readonly params: Readonly<Record<string, string>>;
  /** State to send; some providers use the verifier itself (Anthropic). */
  state(pkce: Pkce): string;
}

export interface BrowserFlowResult {
  readonly code: string;
  readonly verifier: string;
  readonly state: string;
  readonly redirectUri: string;
}

/**
 * Authorization code + PKCE: the browser hands the code back to a loopback server, or the
 * person pastes it (whichever comes first). A taken port, or a remote editor whose browser
 * cannot reach the loopback, leaves paste as the only way, never a dead end.
 */
export async function browserCodeFlow(ui: LoginUi, opts: BrowserFlowOptions): Promise<BrowserFlowResult> {
  const pkce = createPkce();
  const state = opts.state(pkce);
  // The registered redirect is always localhost:<fixed port>; providers reject any other.
  let loopback: Awaited<ReturnType<typeof startLoopback>> | undefined;
  if (await ui.loopbackReachable(`http://localhost:${opts.port}${opts.path}`)) {
    try {
      loopback = await startLoopback({
        port: opts.port,
        path: opts.path,
        state,
        signal: ui.signal,
        timeoutMs: 10 * 60_000,
      });
    } catch (e) {
      if (!isFault(e, 'port-in-use')) throw e;
    }
  }
  const redirectUri = `http://localhost:${loopback?.port ?? opts.port}${opts.path}`; // tests bind port 0
  const query = new URLSearchParams({
    ...opts.params,
    response_type: 'code',
    client_id: opts.clientId,
    redirect_uri: redirectUri,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state,
  });
  const code = await codeFromBrowser(
    ui,
    loopback,
    `${opts.authorizeUrl}?${query.toString()}`,
    (text) => parsePastedCode(text, state).code,
  );
  return { code, verifier: pkce.verifier, state, redirectUri };
}

/**
 * Opens `url`, then takes the code from whichever comes first: the loopback (when there is
 * one) or what the person pastes (`parse` turns the pasted text into the code). Closes both.
 */
export async function codeFromBrowser(
  ui: LoginUi,
  loopback: Loopback | undefined,
  url: string,
  parse: (pasted: string) => string,
): Promise<string> {
  const withdraw = new AbortController();
  try {
    await ui.openBrowser(url);
    ui.progress?.(
      loopback
        ? 'Finish signing in in your browser…'
        : 'Finish signing in in your browser, then paste the code it shows…',
    );
    const pasted = ui
      .pasteCode(
        loopback
          ? 'If the browser cannot return to VS Code, paste the code or the whole address it shows here'
          : 'Paste the code (or the whole address) the browser shows after you sign in',
        withdraw.signal,
      )
      .then(parse);
    pasted.catch(() => undefined);
    // With the loopback listening, dismissing the paste box is not giving up: the browser may
    // still come back. Only the flow's own signal (Cancel on the progress) ends it then.
    return loopback
      ? await Promise.race([
          loopback.code,
          pasted.catch((e: unknown) => {
            if (isFault(e, 'aborted') && !ui.signal.aborted) return never();
            throw e;
          }),
        ])
      : await pasted;
  } finally {
    withdraw.abort();
    await loopback?.close();
  }
}

const never = () => new Promise<never>(() => undefined);
