import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { Redactor } from '../core/redact';

/**
 * The log channel, and the redactor everything else that leaves toward a person or another
 * extension passes (notifications, errors handed to `vscode.lm` callers and command callers).
 */
export type Log = Logger & { show(): void; readonly redactor: Redactor };

/** The "Pi Accounts" log channel. Every line passes the redactor first: no exceptions. */
export function createLog(redactor: Redactor): Log & { dispose(): void } {
  const channel = vscode.window.createOutputChannel('Pi Accounts', { log: true });
  const clean = (m: string) => redactor.redact(m);
  return {
    trace: (m) => channel.trace(clean(m)),
    info: (m) => channel.info(clean(m)),
    warn: (m) => channel.warn(clean(m)),
    error: (m) => channel.error(clean(m)),
    show: () => channel.show(true),
    redactor,
    dispose: () => channel.dispose(),
  };
}
