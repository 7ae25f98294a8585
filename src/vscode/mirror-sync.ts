import * as vscode from 'vscode';
import type { Log } from './log';
import type { AuthMirror, ImportScan } from '../core/mirror/auth-mirror';
import type { Feedback } from '../core/outlet';
import { findProvider } from '../core/providers/directory';
import { isFault } from '../core/faults';
import { ConflictMemory, LoopGuard } from '../core/mirror/sync-policy';
import { showFault } from './faults-ui';
import { accountTitle, withArticle } from '../core/words';

const IMPORT_OFFERED = 'piAccounts.importOffered';

const label = (id: string) => findProvider(id)?.label ?? id;
const skippedText = (skipped: ImportScan['skipped']) =>
  skipped.map((s) => `${label(s.provider)} (${s.why})`).join('; ');

const KEPT_KEY = 'piAccounts.keptForeignEntries';

/** Runs the auth.json mirror after vault changes and tells the person what it could not do. */
export class MirrorSync {
  private readonly loop = new LoopGuard();
  private readonly conflicts: ConflictMemory;
  private corruptReported = false;

  constructor(
    private readonly mirror: AuthMirror,
    private readonly path: () => string,
    private readonly log: Log,
    private readonly memento: vscode.Memento,
    /** An account imported from pi's /login becomes the one in use. */
    private readonly feedback: Pick<Feedback, 'chosen'>,
  ) {
    this.conflicts = new ConflictMemory({
      get: () => memento.get<string[]>(KEPT_KEY, []),
      set: (v) => memento.update(KEPT_KEY, v),
    });
  }

  enabled(): boolean {
    return vscode.workspace.getConfiguration('piAccounts').get<boolean>('mirror.enabled', true);
  }

  /** After auth.json changed on disk (pi, another window, a person). */
  async onFileChanged(): Promise<void> {
    if (this.loop.paused(Date.now())) return;
    const wrote = await this.run([], true);
    if (!wrote || !this.loop.wrote(Date.now())) return;
    const { writesLimit, windowMs } = this.loop;
    this.log.warn(
      `auth.json was rewritten ${writesLimit} times in ${windowMs / 1000} s after changes by someone else; not following its changes for a minute.`,
    );
    void vscode.window
      .showWarningMessage(
        "pi's auth.json keeps changing right after Pi Accounts writes it (another program, or another VS Code window with different settings?). Pi Accounts stops following it for a minute.",
        'Show Log',
      )
      .then((c) => c && this.log.show());
  }

  /** Returns whether auth.json was written. */
  async run(takeOver: readonly string[] = [], fromWatch = false): Promise<boolean> {
    if (!this.enabled()) return false;
    try {
      const r = await this.mirror.sync(takeOver);
      if (r.written || r.removed.length)
        this.log.info(
          `auth.json updated (${r.path})${r.removed.length ? `; removed ${r.removed.join(', ')}` : ''}${fromWatch ? ' after it changed on disk' : ''}.`,
        );
      if (r.adopted.length)
        this.log.info(`pi refreshed ${r.adopted.join(', ')} in auth.json; Pi Accounts now uses those tokens.`);
      if (r.fixedMode)
        void vscode.window.showWarningMessage(
          `pi's auth.json (${r.path}) was readable by other users; Pi Accounts set it to 0600 (owner only).`,
        );
      for (const provider of r.conflicts) this.warnConflict(provider, r.foreign[provider]);
      return r.written;
    } catch (e) {
      if (!fromWatch || !isFault(e, 'mirror-corrupt') || !this.corruptReported) void showFault(e, this.log);
      if (isFault(e, 'mirror-corrupt')) this.corruptReported = true; // once per session from the watcher
      return false;
    }
  }

  private warnConflict(provider: string, fingerprint: string | undefined): void {
    this.log.warn(`auth.json has a ${provider} entry that Pi Accounts did not write; it was left as it is.`);
    if (!this.conflicts.shouldAsk(provider, fingerprint)) return;
    void vscode.window
      .showWarningMessage(
        `pi's auth.json has ${withArticle(provider)} credential that Pi Accounts did not write (from pi's /login, or edited by hand), so pi uses that one.`,
        'Import It',
        'Replace It',
        'Leave It',
      )
      .then(async (choice) => {
        if (choice === 'Replace It') await this.run([provider]);
        if (choice === 'Import It') await this.importOne(provider, fingerprint);
        if (choice === 'Leave It') await this.conflicts.keep(fingerprint); // asked once per content
      });
  }

  private async importOne(provider: string, fingerprint: string | undefined): Promise<void> {
    try {
      const scan = await this.mirror.scanImports();
      const candidate = scan.candidates.find(
        (c) => c.provider === provider && (!fingerprint || c.fingerprint === fingerprint),
      );
      if (!candidate) {
        const why = scan.skipped.find((s) => s.provider === provider)?.why ?? 'it changed meanwhile';
        void vscode.window.showInformationMessage(
          `The ${label(provider)} entry in auth.json cannot be imported: ${why}.`,
        );
        return;
      }
      const [added] = await this.mirror.import([candidate]);
      await this.feedback.chosen(added.provider, added.account);
      this.log.info(`Imported ${added.provider}/${added.account} from auth.json; it is now in use.`);
      void vscode.window.showInformationMessage(
        `Imported ${label(provider)} from pi's auth.json as "${added.account}"; it is now the account in use.`,
      );
    } catch (e) {
      void showFault(e, this.log);
    }
  }

  /** On first activation only: a notification (never a picker that steals focus) offers pi's keys. */
  async offerImportOnce(): Promise<void> {
    if (!this.enabled() || this.memento.get<boolean>(IMPORT_OFFERED)) return;
    await this.memento.update(IMPORT_OFFERED, true); // a "no" is remembered: we ask once
    const scan = await this.mirror.scanImports().catch(() => undefined); // a corrupt file was reported by run()
    if (!scan) return;
    const notLiteral = scan.skipped.length ? ` Left as they are: ${skippedText(scan.skipped)}.` : '';
    if (!scan.candidates.length) {
      if (notLiteral)
        void vscode.window.showInformationMessage(
          `pi's auth.json has entries Pi Accounts does not import.${notLiteral}`,
        );
      return;
    }
    const names = scan.candidates.map((c) => label(c.provider)).join(', ');
    const choice = await vscode.window.showInformationMessage(
      `pi's auth.json has credentials for ${names}. Import them as Pi Accounts accounts?${notLiteral}`,
      'Import…',
      'Not Now',
    );
    if (choice === 'Import…') await this.importFromPi();
  }

  async importFromPi(): Promise<void> {
    let scan;
    try {
      scan = await this.mirror.scanImports();
    } catch (e) {
      void showFault(e, this.log);
      return;
    }
    for (const s of scan.skipped) this.log.info(`Not importing ${s.provider} from auth.json: ${s.why}.`);
    if (scan.skipped.length) {
      void vscode.window.showInformationMessage(`Not imported: ${skippedText(scan.skipped)}.`);
    }
    if (scan.candidates.length === 0) {
      void vscode.window.showInformationMessage(
        `pi's auth.json (${this.path()}) has no credentials that are not already accounts here.`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      scan.candidates.map((c) => ({ label: label(c.provider), description: c.keyTail, picked: true, candidate: c })),
      {
        canPickMany: true,
        title: `Import from pi's auth.json`,
        placeHolder: 'pi already has these. Import them as Pi Accounts accounts?',
        ignoreFocusOut: true,
      },
    );
    if (!picked?.length) return;
    try {
      const added = await this.mirror.import(picked.map((p) => p.candidate));
      void vscode.window.showInformationMessage(
        `Imported ${added.length} account${added.length > 1 ? 's' : ''} from pi: ${added.map((a) => accountTitle(a.provider, a.account)).join(', ')}.`,
      );
    } catch (e) {
      void showFault(e, this.log);
    }
  }
}
