import * as vscode from 'vscode';
import { describe, isFault } from '../core/faults';
import type { Logger } from '../core/log';

/** Shows a failure once, with the action that helps: sign in again, open auth.json, or the log. */
export async function showFault(e: unknown, log: Logger & { show(): void }): Promise<void> {
  if (isFault(e, 'aborted')) return;
  log.error(describe(e));
  const path = isFault(e) ? e.details.path : undefined;
  const again = isFault(e, 'needs-sign-in') && e.details.account ? { provider: e.details.provider, account: e.details.account } : undefined;
  const actions = [...(again ? ['Sign In Again'] : []), ...(path ? ['Open auth.json'] : []), 'Show Log'];
  const choice = await vscode.window.showErrorMessage(describe(e), ...actions);
  if (choice === 'Sign In Again') await vscode.commands.executeCommand('piAccounts.signInAgain', again).then(undefined, () => undefined); // it reports its own failure
  if (choice === 'Open auth.json' && path) await vscode.window.showTextDocument(vscode.Uri.file(path));
  if (choice === 'Show Log') log.show();
}
