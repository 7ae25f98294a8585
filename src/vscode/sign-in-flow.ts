import * as vscode from 'vscode';
import { aborted } from '../core/faults';
import { requireExternalUrl } from '../core/oauth/external-url';
import type { DeviceCode } from '../core/oauth/device';
import type { LoginUi, OAuthCredential, OAuthProvider } from '../core/oauth/provider';
import type { HttpOptions } from '../core/http';

/**
 * Runs a provider's browser or device sign-in inside a cancellable progress notification.
 * Nothing is stored here: the caller stores the credential only once the whole flow succeeded.
 */
export async function runSignInFlow(
  oauth: OAuthProvider,
  label: string,
  http: HttpOptions | undefined,
): Promise<OAuthCredential> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Signing in to ${label}`, cancellable: true },
    async (progress, token) => {
      const cancel = new AbortController();
      const sub = token.onCancellationRequested(() => cancel.abort());
      try {
        return await oauth.login(
          editorLoginUi(cancel.signal, label, (message) => progress.report({ message })),
          { ...http, signal: cancel.signal },
        );
      } finally {
        sub.dispose();
      }
    },
  );
}

function editorLoginUi(signal: AbortSignal, label: string, report: (message: string) => void): LoginUi {
  return {
    signal,
    progress: report,
    openBrowser: (url) => openExternal(url),
    loopbackReachable,
    pasteCode: (message, withdraw) => askPaste(label, message, AbortSignal.any([signal, withdraw])),
    showDeviceCode: (code) => showDeviceCode(code, label, signal, report),
    async ask(message, placeholder, problem) {
      const answer = await vscode.window.showInputBox({
        title: `Pi Accounts: Sign In to ${label} (3/3)`,
        prompt: message,
        placeHolder: placeholder,
        ignoreFocusOut: true,
        validateInput: problem,
      });
      if (answer === undefined) throw aborted();
      return answer;
    },
  };
}

export async function openExternal(url: string): Promise<void> {
  const uri = vscode.Uri.parse(requireExternalUrl(url).toString(), true);
  if (!(await vscode.env.openExternal(uri))) {
    await vscode.env.clipboard.writeText(url);
    void vscode.window.showWarningMessage(
      'VS Code could not open your browser. The sign-in address is on the clipboard: paste it into a browser.',
    );
  }
}

/**
 * The provider redirects the browser to localhost:<port> on the person's machine. Locally that
 * is us; in a remote window it is only us if VS Code forwards the port unchanged.
 */
async function loopbackReachable(redirectUri: string): Promise<boolean> {
  if (!vscode.env.remoteName) return true;
  try {
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(redirectUri));
    return external.authority === vscode.Uri.parse(redirectUri).authority;
  } catch {
    return false;
  }
}

function askPaste(label: string, message: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const box = vscode.window.createInputBox();
    box.title = `Pi Accounts: Sign In to ${label}`;
    box.prompt = message;
    box.placeholder = 'code, code#state, or the address the browser shows';
    box.ignoreFocusOut = true;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      box.dispose();
      fn();
    };
    const onAbort = () => finish(() => reject(aborted()));
    signal.addEventListener('abort', onAbort, { once: true });
    box.onDidAccept(() => {
      if (box.value.trim()) finish(() => resolve(box.value));
    });
    // Escape: the flow decides whether that ends the sign-in (paste-only) or not (loopback).
    box.onDidHide(() => finish(() => reject(aborted())));
    box.show();
  });
}

/** Like VS Code's own GitHub sign-in: the code in a modal, Copy & Open puts it on the clipboard. */
async function showDeviceCode(
  code: DeviceCode,
  label: string,
  signal: AbortSignal,
  report: (message: string) => void,
): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `Your ${label} sign-in code: ${code.userCode}`,
    {
      modal: true,
      detail: `Copy the code, then paste it on ${code.verificationUri} to finish signing in. The code expires in ${Math.round(code.expiresIn / 60)} minutes.`,
    },
    'Copy & Open',
  );
  if (choice !== 'Copy & Open' || signal.aborted) throw aborted();
  await vscode.env.clipboard.writeText(code.userCode);
  await openExternal(code.verificationUriComplete ?? code.verificationUri); // with the code filled in, where offered
  report(
    `Waiting for you to enter ${code.userCode} on ${vscode.Uri.parse(code.verificationUri).authority} (the code is on the clipboard)…`,
  );
}
