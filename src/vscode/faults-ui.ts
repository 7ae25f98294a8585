import * as vscode from 'vscode';
import { detailsOf, isFault, type Fault } from '../core/faults';
import type { Log } from './log';

/**
 * Shows a failure once, with the actions that help: try again (what may pass on its own), proxy
 * settings (where a proxy may be in the way), sign in (nothing to act on yet), sign in again, open
 * the pi file it is about (through the command that warns first), or the log.
 */
export async function showFault(e: unknown, log: Log, retry?: () => unknown): Promise<void> {
  if (isFault(e, 'aborted')) return;
  // Redacted and bounded: a server may echo a token or a key in its error text.
  const text = log.redactor.describe(e);
  log.error(text);
  const actions = isFault(e) ? faultActions(e, retry) : [];
  actions.push({ title: 'Show Log', run: () => log.show() });
  const choice = await vscode.window.showErrorMessage(text, ...actions.map((a) => a.title));
  await actions.find((a) => a.title === choice)?.run();
}

interface Action {
  readonly title: string;
  run(): unknown;
}

// Commands report their own failures, so a rejection here is already shown.
const run = (command: string, ...args: unknown[]) =>
  vscode.commands.executeCommand(command, ...args).then(undefined, () => undefined);

/** The actions a fault's typed details call for (exported for its unit test). */
export function faultActions(e: Fault, retry?: () => unknown): Action[] {
  const actions: Action[] = [];
  if (e.retryable && retry) actions.push({ title: 'Try Again', run: retry });
  if (detailsOf(e, 'network')?.proxy)
    actions.push({ title: 'Open Proxy Settings', run: () => run('workbench.action.openSettings', 'http.proxy') });
  const signIn = detailsOf(e, 'needs-sign-in');
  if (signIn?.provider && signIn.account)
    actions.push({
      title: 'Sign In Again',
      run: () => run('piAccounts.signInAgain', { provider: signIn.provider, account: signIn.account }),
    });
  const missing = detailsOf(e, 'not-found');
  if (missing?.signIn)
    actions.push({
      title: 'Sign In',
      run: () => run('piAccounts.signIn', missing.signIn === 'any' ? undefined : { provider: missing.signIn }),
    });
  const file = detailsOf(e, 'mirror-corrupt') ?? detailsOf(e, 'mirror-io') ?? detailsOf(e, 'mirror-locked');
  if (file)
    actions.push({
      title: `Open ${file.file}`,
      // Both files may hold keys or headers in plain text: the command warns before it opens one.
      run: () => run('piAccounts.openAuthFile', { file: file.file }),
    });
  return actions;
}
