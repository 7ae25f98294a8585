// Thin VS Code side of the pi link: the socket server with the feedback port behind it, the
// "Connect pi" / "Disconnect pi" commands, the one-time offer, the manual-mode "Switch"
// notification, and pi's status above the Accounts view.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { SecretRef } from '../core/secret-ref';
import { describe } from '../core/faults';
import type { Log } from './log';
import { channelDir } from '../core/pi-link/channel-dir';
import { AccountsDesk } from '../core/pi-link/accounts-desk';
import { PiFeedback } from '../core/pi-link/feedback';
import { COMPANION_FILE, inspect, install, uninstall } from '../core/pi-link/install';
import { PiLinkServer } from '../core/pi-link/server';
import { piStatusLine } from '../core/pi-link/status-line';
import { requireProvider } from '../core/providers/directory';
import type { Feedback } from '../core/outlet';
import type { Diagnostics } from '../core/diagnostics';
import type { UsageEntry } from '../core/usage-service/scheduler';
import type { KeyResolver } from '../core/resolver';
import type { Rotation } from '../core/rotation/rotation';
import type { RotationMode } from '../core/rotation/policy';
import type { Vault } from '../core/vault';
import { showFault } from './faults-ui';

const OFFERED = 'piAccounts.piLink.offered';

export interface PiLinkDeps {
  readonly context: vscode.ExtensionContext;
  readonly vault: Vault;
  readonly rotation: Rotation;
  readonly resolver: KeyResolver;
  /** Where what pi's answers say (429, a refused sign-in, usage figures) is written back. */
  readonly feedback: Feedback;
  readonly mode: (provider: string) => RotationMode;
  /** Usage figures per account, for pi's `/accounts` and its footer. */
  readonly quota: (provider: string, account: string) => UsageEntry | undefined;
  /** Writes the active accounts to auth.json (the mirror); pi re-reads it after. */
  readonly writeAuthFile: () => Promise<unknown>;
  readonly authPath: () => string;
  readonly log: Log;
  /** Redraws the Accounts view, whose message line shows `status()`. */
  readonly refreshView: () => void;
  /** Asks a provider for its own reason when pi's error text names none. */
  readonly diagnostics?: Pick<Diagnostics, 'explain'>;
  /** A key kept in a password manager as read lately: pi's report names it by fingerprint. */
  readonly peekRef?: (ref: SecretRef) => string | undefined;
}

export class PiLinkUi implements vscode.Disposable {
  private readonly server: PiLinkServer;
  private readonly subscriptions: { dispose(): void }[] = [];
  private readonly version: string;
  /** Whether our companion is in pi's extensions folder: known from start(), connect(), disconnect(), not read from disk on every redraw of the view. */
  private installed = false;
  private readonly feedback: PiFeedback;

  constructor(private readonly deps: PiLinkDeps) {
    this.version = (deps.context.extension.packageJSON as { version?: string }).version ?? '0';
    const feedback = (this.feedback = new PiFeedback({
      vault: deps.vault,
      rotation: deps.rotation,
      mode: deps.mode,
      feedback: deps.feedback,
      refresh: (p, a, refused) => deps.resolver.refresh(p, a, refused),
      tellRateLimited: (p, a, until) => void this.tellRateLimited(p, a, until),
      log: deps.log,
      diagnostics: deps.diagnostics,
      peekRef: deps.peekRef,
    }));
    this.server = new PiLinkServer(channelDir(), feedback, deps.log, deps.writeAuthFile);
    // pi's `/accounts`: a switch there is Rotation's, so auth.json, terminals and the view follow.
    this.server.serveAccounts(new AccountsDesk({ vault: deps.vault, rotation: deps.rotation, quota: deps.quota }));
    this.server.onDidChange(() => deps.refreshView());
    this.subscriptions.push(deps.vault.onDidChange((c) => c.reason === 'add' && void this.offerOnce()));
  }

  /** Listens for pi, and brings an installed companion up to this version. */
  start(): void {
    this.server.listen().then(
      (path) => this.deps.log.info(`Listening for pi on ${path}.`),
      (e: unknown) => this.deps.log.warn(`pi cannot report to this window: ${describe(e)}`),
    );
    // No context key for the walkthrough here: a key a walkthrough step's `when` names makes the
    // open walkthrough select its step again, which takes the keyboard focus from whatever has it,
    // the Sign In picker included (GettingStartedPage's onDidChangeContext → selectStep →
    // setTimeout(focus), microsoft/vscode src/vs/workbench/contrib/welcomeGettingStarted/browser/gettingStarted.ts).
    const installed = inspect(this.agentDir(), this.version);
    this.installed = installed.state === 'ours';
    if (installed.state === 'ours' && !installed.current) {
      try {
        install(this.agentDir(), this.body(), this.version);
        this.deps.log.info(`Updated the pi companion in ${this.target()} to ${this.version}.`);
      } catch (e) {
        this.deps.log.warn(`Could not update the pi companion: ${describe(e)}`);
      }
    }
    this.deps.refreshView();
  }

  /**
   * Every pi process re-reads auth.json: called once it is written, so other pi processes follow a
   * switch made for one of them, or anywhere else. `soft`: only rotation's own switches happened,
   * so a pi session keeps its account while it can be used (sticky sessions).
   */
  reloadPi(soft = false): void {
    this.server.reload(soft ? this.feedback.usable() : undefined);
  }

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('piAccounts.connectPi', () => this.connect()),
      vscode.commands.registerCommand('piAccounts.disconnectPi', () => this.disconnect()),
    ];
  }

  async connect(): Promise<boolean> {
    try {
      const wrote = install(this.agentDir(), this.body(), this.version);
      this.installed = true;
      this.deps.log.info(`${wrote ? 'Installed' : 'Already installed:'} the pi companion at ${this.target()}.`);
      void vscode.window.showInformationMessage(
        `pi is connected: the Pi Accounts companion is in ${this.target()}. pi sessions started from now on report to Pi Accounts (a running pi picks it up with /reload).`,
      );
      this.deps.refreshView();
      return true;
    } catch (e) {
      void showFault(e, this.deps.log);
      return false;
    }
  }

  async disconnect(): Promise<boolean> {
    try {
      const removed = uninstall(this.agentDir());
      this.installed = false;
      this.deps.log.info(
        removed ? `Removed the pi companion from ${this.target()}.` : 'The pi companion was not installed.',
      );
      void vscode.window.showInformationMessage(
        removed ? `pi is disconnected: removed ${this.target()}.` : 'pi was not connected.',
      );
      this.deps.refreshView();
      return removed;
    } catch (e) {
      void showFault(e, this.deps.log);
      return false;
    }
  }

  dispose(): void {
    this.server.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private agentDir = () => dirname(this.deps.authPath());
  private target = () => join(this.agentDir(), 'extensions', COMPANION_FILE);
  private body = () => readFileSync(join(this.deps.context.extensionPath, 'dist', 'companion', COMPANION_FILE), 'utf8');

  /**
   * Whether the one-time offer is due (pi is on this machine, not yet connected, never offered);
   * if so it counts as made. A palette sign-in puts it on its own "Signed in" toast as a button,
   * so the offer does not stack a second toast on the first one.
   */
  takeOffer(): boolean {
    const state = this.deps.context.globalState;
    if (
      state.get<boolean>(OFFERED) ||
      !existsSync(this.agentDir()) ||
      inspect(this.agentDir(), this.version).state !== 'absent'
    )
      return false;
    void state.update(OFFERED, true); // the memento answers the new value at once
    return true;
  }

  /** After the first account that came another way (an import), once ever: a toast of its own. */
  private async offerOnce(): Promise<void> {
    if (!this.takeOffer()) return;
    const choice = await vscode.window.showInformationMessage(
      "Connect pi? Pi Accounts then sees pi's own rate limits and refusals and switches pi's account without a restart.",
      'Connect pi',
      'Not Now',
    );
    if (choice === 'Connect pi') await this.connect();
  }

  private async tellRateLimited(provider: string, account: string, until: number): Promise<void> {
    const label = requireProvider(provider).label;
    const at = new Date(until).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const choice = await vscode.window.showWarningMessage(
      `pi hit the rate limit of ${label} account "${account}" (until ${at}).`,
      'Switch',
    );
    if (choice !== 'Switch') return;
    const to = await this.deps.rotation.next(provider);
    this.deps.log.info(
      to ? `Switched ${provider} to ${to} by hand after pi's 429.` : `No other ${provider} account to switch to.`,
    );
  }

  /** One line for the Accounts view: whether pi is connected, its versions, and its last report. */
  status(): string | undefined {
    return piStatusLine(this.server.status(), this.installed);
  }
}
