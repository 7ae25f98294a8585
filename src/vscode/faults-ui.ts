import * as vscode from 'vscode';
import { describe, isFault } from '../core/faults';
import type { Logger } from '../core/log';

/** Shows a failure once, with the action that helps: open auth.json, or the log. */
export async function showFault(e: unknown, log: Logger & { show(): void }): Promise<void> {
  if (isFault(e, 'aborted')) return;
  log.error(describe(e));
  const path = isFault(e) ? e.details.path : undefined;
  const actions = path ? ['Open auth.json', 'Show Log'] : ['Show Log'];
  const choice = await vscode.window.showErrorMessage(describe(e), ...actions);
  if (choice === 'Open auth.json' && path) await vscode.window.showTextDocument(vscode.Uri.file(path));
  if (choice === 'Show Log') log.show();
}
