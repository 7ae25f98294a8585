import * as vscode from 'vscode';
import { isFault } from '../core/faults';
import type { Log } from './log';

/** Shows a failure once, with the action that helps: sign in again, open auth.json, or the log. */
export async function showFault(e: unknown, log: Log): Promise<void> {
  if (isFault(e, 'aborted')) return;
  // Redacted and bounded: a server may echo a token or a key in its error text.
  const text = log.redactor.describe(e);
  log.error(text);
  const path = isFault(e) ? e.details.path : undefined;
  const again = isFault(e, 'needs-sign-in') && e.details.account ? { provider: e.details.provider, account: e.details.account } : undefined;
  const actions = [...(again ? ['Sign In Again'] : []), ...(path ? ['Open auth.json'] : []), 'Show Log'];
  const choice = await vscode.window.showErrorMessage(text, ...actions);
  if (choice === 'Sign In Again') await vscode.commands.executeCommand('piAccounts.signInAgain', again).then(undefined, () => undefined); // it reports its own failure
  if (choice === 'Open auth.json' && path) await vscode.window.showTextDocument(vscode.Uri.file(path));
  if (choice === 'Show Log') log.show();
}
