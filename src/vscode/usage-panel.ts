import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { timeOf as time } from '../core/words';
import type { Outlet } from '../core/outlet';
import { usageBody, usagePage } from '../core/usage-panel/html';
import { usageReport, type UsageSources } from '../core/usage-panel/report';

/**
 * Pi Accounts: Show Usage — every account's windows as bars with reset times, the plan, rest
 * periods, health and today's tokens, in an editor tab. A webview and not a tree: bars, a small
 * chart and several accounts side by side need a page, and an editor tab has the room to read it
 * at 1400×900 (a tree row holds one line of text). Live: an Outlet, redrawn on every change.
 */
export class UsagePanel implements Outlet, vscode.Disposable {
  private panel?: vscode.WebviewPanel;

  constructor(private readonly sources: () => Omit<UsageSources, 'now'>) {}

  register(): vscode.Disposable {
    return vscode.commands.registerCommand('piAccounts.showUsage', () => this.show());
  }

  show(): void {
    if (this.panel) return this.panel.reveal();
    this.panel = vscode.window.createWebviewPanel(
      'piAccounts.usage',
      'Pi Accounts: Usage',
      vscode.ViewColumn.Active,
      // Command links only (Refresh Usage, Use This Account, Sign In Again); no local files.
      { enableScripts: true, enableCommandUris: true, localResourceRoots: [] },
    );
    this.panel.onDidDispose(() => (this.panel = undefined));
    this.render(this.panel);
  }

  sync(): void {
    if (!this.panel) return;
    // A hidden webview is rebuilt from its html when shown again (no retainContextWhenHidden), and
    // messages to it are lost: it gets the whole page instead.
    if (!this.panel.visible) return this.render(this.panel);
    void this.panel.webview.postMessage({ body: usageBody(this.report(), { nonce: '', cspSource: '', time }) });
  }

  private render(panel: vscode.WebviewPanel): void {
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = usagePage(this.report(), { nonce, cspSource: panel.webview.cspSource, time });
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private report() {
    return usageReport({ ...this.sources(), now: Date.now() });
  }
}
