import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { scanEnvironment } from '../core/env-import';
import { aborted } from '../core/faults';
import type { Logger } from '../core/log';
import { requireProvider } from '../core/providers/directory';
import type { Vault } from '../core/vault';
import { accountTitle } from '../core/words';

// Generic GitHub tokens are often set for other tools; offered, but not ticked.
const NOT_PICKED = new Set(['GH_TOKEN', 'GITHUB_TOKEN']);

/** The environment a login shell sets up (profiles, rc files), which VS Code may not have. */
function loginShellEnv(log: Logger): Promise<Record<string, string>> {
  if (process.platform === 'win32') return Promise.resolve({});
  const shell = process.env.SHELL || '/bin/sh';
  return new Promise((resolve) => {
    execFile(
      shell,
      ['-ilc', 'env -0'],
      { timeout: 5000, maxBuffer: 4 * 1024 * 1024, env: process.env },
      (error, stdout) => {
        if (error && !stdout) {
          log.warn(
            `Could not read the login shell's environment (${shell}): ${error.message.split('\n')[0]}. Only VS Code's own environment is searched.`,
          );
          return resolve({});
        }
        const env: Record<string, string> = {};
        for (const entry of stdout.split('\0')) {
          const at = entry.indexOf('=');
          if (at > 0) env[entry.slice(0, at).split('\n').pop()!] = entry.slice(at + 1);
        }
        resolve(env);
      },
    );
  });
}

/** Offers every key already set in VS Code's or the login shell's environment as an account. */
export async function importFromEnvironment(vault: Vault, log: Logger): Promise<string[]> {
  const shellEnv = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Looking for keys in your environment…' },
    () => loginShellEnv(log),
  );
  const scan = scanEnvironment(
    [
      { name: "VS Code's environment", env: process.env },
      { name: 'your login shell', env: shellEnv },
    ],
    vault,
  );
  for (const s of scan.skipped) log.info(`Not offering $${s.variable} for ${s.provider}: ${s.why}`);
  if (!scan.candidates.length) {
    void vscode.window.showInformationMessage(
      'No provider keys were found in your environment that are not already accounts here.',
    );
    return [];
  }
  const picked = await vscode.window.showQuickPick(
    scan.candidates.map((c) => {
      const extra =
        c.credential.type === 'api_key' && c.credential.env ? ` + ${Object.keys(c.credential.env).join(', ')}` : '';
      return {
        label: requireProvider(c.provider).label,
        description: `$${c.variable} ${c.keyTail}${extra}`,
        detail: `from ${c.source}`,
        picked: !NOT_PICKED.has(c.variable),
        c,
      };
    }),
    {
      canPickMany: true,
      title: 'Pi Accounts: Import Keys from the Environment',
      placeHolder: 'These keys are set in your environment. Store them as accounts?',
      ignoreFocusOut: true,
    },
  );
  if (!picked) throw aborted();
  const added: string[] = [];
  for (const { c } of picked) {
    const account = await vault.add(c.provider, vault.freeName(c.provider, ['env']), c.credential);
    added.push(accountTitle(c.provider, account.name));
    log.info(`Imported $${c.variable} as ${c.provider}/${account.name} (${c.keyTail}).`);
  }
  if (added.length)
    void vscode.window.showInformationMessage(
      `Imported ${added.length} key${added.length > 1 ? 's' : ''} from the environment: ${added.join(', ')}.`,
    );
  return added;
}
