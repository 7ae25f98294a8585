import * as vscode from 'vscode';
import { isFault } from '../core/faults';
import type { Log } from './log';

/**
 * Shows a failure once, with the actions that help: try again (network), proxy settings (where a
 * proxy may be in the way), sign in (nothing to act on yet), sign in again, open auth.json, or the log.
 */
export async function showFault(e: unknown, log: Log, retry?: () => unknown): Promise<void> {
  if (isFault(e, 'aborted')) return;
  // Redacted and bounded: a server may echo a token or a key in its error text.
  const text = log.redactor.describe(e);
  log.error(text);
  const actions = isFault(e) ? faultActions(e.code, e.details, retry) : [];
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

function faultActions(code: string, details: Readonly<Record<string, string>>, retry?: () => unknown): Action[] {
  const actions: Action[] = [];
  if (code === 'network' && retry) actions.push({ title: 'Try Again', run: retry });
  if (code === 'network' && details.proxy)
    actions.push({ title: 'Open Proxy Settings', run: () => run('workbench.action.openSettings', 'http.proxy') });
  if (code === 'needs-sign-in' && details.account)
    actions.push({
      title: 'Sign In Again',
      run: () => run('piAccounts.signInAgain', { provider: details.provider, account: details.account }),
    });
  if (code === 'not-found' && details.signIn)
    actions.push({
      title: 'Sign In',
      run: () => run('piAccounts.signIn', details.signIn === 'any' ? undefined : { provider: details.signIn }),
    });
  if (details.path)
    actions.push({ title: 'Open auth.json', run: () => vscode.window.showTextDocument(vscode.Uri.file(details.path)) });
  return actions;
}
