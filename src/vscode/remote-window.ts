import { hostname, homedir } from 'node:os';
import * as vscode from 'vscode';
import { callbackRoute, loopbackRedirectOf, type CallbackRoute } from '../core/oauth/callback-route';
import { machineWords, type MachineWords } from '../core/mirror/machine';

/** This window's machine and its auth.json, in words (the view's description and message line). */
export function machine(authPath: string): MachineWords {
  return machineWords({ host: hostname(), remoteName: vscode.env.remoteName, authPath, home: homedir() });
}

/** How long the browser waits for VS Code to forward the callback port before paste is the way. */
const FORWARD_WAIT_MS = 5000;

export interface SignInRoute {
  readonly route: CallbackRoute;
  /** What the paste box says instead of the login's own words, when paste is the only way back. */
  readonly pasteHint?: string;
  /** For the log: the redirect, what VS Code forwarded it to, and the decision. */
  readonly note?: string;
}

/**
 * In a remote window, forwards the port of the sign-in's loopback redirect (asExternalUri) and
 * says whether the browser's redirect reaches it: only when the forward keeps the port
 * (src/core/oauth/callback-route.ts). A local window, or a sign-in page without a loopback
 * redirect (a copy-code or device sign-in), has nothing to decide.
 */
export async function signInRoute(authUrl: string): Promise<SignInRoute> {
  const redirect = loopbackRedirectOf(authUrl);
  const remote = vscode.env.remoteName;
  if (!redirect || !remote) return { route: 'callback' };
  let external: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Bounded: the browser opens after this, and a forward that does not come is no forward.
    const forwarded = vscode.env.asExternalUri(vscode.Uri.parse(`${redirect.origin}/`));
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), FORWARD_WAIT_MS)));
    external = (await Promise.race([forwarded, late]))?.toString(true);
  } catch {
    external = undefined; // no forwarding here: the paste box is the way
  } finally {
    clearTimeout(timer);
  }
  const route = callbackRoute(redirect, external);
  const note = `Sign-in callback ${redirect.origin} in a remote window (${remote}): VS Code forwards it to ${external ?? 'nothing'}; ${route === 'callback' ? 'the browser can return to it' : 'same port not kept, so the code is pasted'}.`;
  if (route === 'callback') return { route, note };
  return {
    route,
    note,
    pasteHint: `This window runs on ${hostname()} (remote: ${remote}), which the browser cannot reach. After you sign in, the browser shows a page that does not load: copy the whole address from its address bar (or the code it shows) and paste it here.`,
  };
}
