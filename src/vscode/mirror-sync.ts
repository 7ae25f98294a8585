import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { AuthMirror, ImportScan } from '../core/mirror/mirror';
import { findProvider } from '../core/providers/directory';
import { showFault } from './faults-ui';

const IMPORT_OFFERED = 'piAccounts.importOffered';

const label = (id: string) => findProvider(id)?.label ?? id;
const skippedText = (skipped: ImportScan['skipped']) => skipped.map((s) => `${label(s.provider)} (${s.why})`).join('; ');

/** Runs the auth.json mirror after vault changes and tells the person what it could not do. */
export class MirrorSync {
  private warnedConflicts = new Set<string>();

  constructor(
    private readonly mirror: AuthMirror,
    private readonly path: () => string,
    private readonly log: Logger & { show(): void },
    private readonly memento: vscode.Memento,
  ) {}

  enabled(): boolean {
    return vscode.workspace.getConfiguration('piAccounts').get<boolean>('mirror.enabled', true);
  }

  async run(takeOver: readonly string[] = []): Promise<void> {
    if (!this.enabled()) return;
    try {
      const r = await this.mirror.sync(takeOver);
      if (r.written || r.removed.length) this.log.info(`auth.json updated (${r.path})${r.removed.length ? `; removed ${r.removed.join(', ')}` : ''}.`);
      if (r.adopted.length) this.log.info(`pi refreshed ${r.adopted.join(', ')} in auth.json; Pi Accounts now uses those tokens.`);
      if (r.fixedMode) void vscode.window.showWarningMessage(`pi's auth.json (${r.path}) was readable by other users; Pi Accounts set it to 0600 (owner only).`);
      for (const provider of r.conflicts) this.warnConflict(provider, r.path);
    } catch (e) {
      void showFault(e, this.log);
    }
  }

  private warnConflict(provider: string, path: string): void {
    this.log.warn(`auth.json already has a ${provider} entry that Pi Accounts did not write; it was left as it is.`);
    if (this.warnedConflicts.has(provider)) return;
    this.warnedConflicts.add(provider);
    void vscode.window
      .showWarningMessage(`pi's auth.json already has a ${label(provider)} credential that Pi Accounts did not write, so pi still uses that one.`, 'Replace It', 'Open auth.json')
      .then(async (choice) => {
        if (choice === 'Replace It') await this.run([provider]);
        if (choice === 'Open auth.json') await vscode.window.showTextDocument(vscode.Uri.file(path));
      });
  }

  /** On first activation only: a notification (never a picker that steals focus) offers pi's keys. */
  async offerImportOnce(): Promise<void> {
    if (!this.enabled() || this.memento.get<boolean>(IMPORT_OFFERED)) return;
    await this.memento.update(IMPORT_OFFERED, true); // a "no" is remembered: we ask once
    const scan = await this.mirror.scanImports().catch(() => undefined); // a corrupt file was reported by run()
    if (!scan) return;
    const notLiteral = scan.skipped.length ? ` Left as they are: ${skippedText(scan.skipped)}.` : '';
    if (!scan.candidates.length) {
      if (notLiteral) void vscode.window.showInformationMessage(`pi's auth.json has entries Pi Accounts does not import.${notLiteral}`);
      return;
    }
    const names = scan.candidates.map((c) => label(c.provider)).join(', ');
    const choice = await vscode.window.showInformationMessage(`pi's auth.json has API keys for ${names}. Import them as Pi Accounts accounts?${notLiteral}`, 'Import…', 'Not Now');
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
      void vscode.window.showInformationMessage(`pi's auth.json (${this.path()}) has no API keys that are not already accounts here.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      scan.candidates.map((c) => ({ label: label(c.provider), description: c.keyTail, picked: true, candidate: c })),
      { canPickMany: true, title: `Import API keys from pi's auth.json`, placeHolder: 'pi already has these keys. Import them as Pi Accounts accounts?', ignoreFocusOut: true },
    );
    if (!picked?.length) return;
    try {
      const names = await this.mirror.import(picked.map((p) => p.candidate));
      void vscode.window.showInformationMessage(`Imported ${names.length} key${names.length > 1 ? 's' : ''} from pi: ${names.join(', ')}.`);
    } catch (e) {
      void showFault(e, this.log);
    }
  }
}
