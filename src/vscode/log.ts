import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { Redactor } from '../core/redact';

/** The "Pi Accounts" log channel. Every line passes the redactor first: no exceptions. */
export function createLog(redactor: Redactor): Logger & vscode.Disposable & { show(): void } {
  const channel = vscode.window.createOutputChannel('Pi Accounts', { log: true });
  const clean = (m: string) => redactor.redact(m);
  return {
    trace: (m) => channel.trace(clean(m)),
    info: (m) => channel.info(clean(m)),
    warn: (m) => channel.warn(clean(m)),
    error: (m) => channel.error(clean(m)),
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}
