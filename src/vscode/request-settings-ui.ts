import * as vscode from 'vscode';
import { aborted } from '../core/faults';
import { parseHeaders } from '../core/request-settings';
import { httpsUrlProblem } from '../core/providers/forms';
import type { ProviderInfo } from '../core/providers/directory';
import type { RequestSettings } from '../core/vault';

export const formatHeaders = (headers: Readonly<Record<string, string>> = {}) =>
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');

/** Two boxes, checked as typed: the account's base URL, then its extra headers (hidden). */
export async function askRequestSettings(
  provider: ProviderInfo,
  account: string,
  current: RequestSettings | undefined,
): Promise<{ baseUrl: string; headers: string }> {
  const baseUrl = await vscode.window.showInputBox({
    title: `Pi Accounts: ${provider.label} / ${account} (1/2)`,
    prompt: `Base URL for this account's requests (blank: the provider's own)${provider.baseUrlVar ? `; new terminals get it as ${provider.baseUrlVar}` : ''}`,
    value: current?.baseUrl ?? '',
    placeHolder: 'https://gateway.example.com/v1',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? httpsUrlProblem(v) : undefined),
  });
  if (baseUrl === undefined) throw aborted();
  const headers = await vscode.window.showInputBox({
    title: `Pi Accounts: ${provider.label} / ${account} (2/2)`,
    prompt: 'Extra headers, "Name: value" separated by ";" (blank: none). Values are kept in secret storage.',
    value: formatHeaders(current?.headers),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseHeaders(v);
      return 'problem' in r ? r.problem : undefined;
    },
  });
  if (headers === undefined) throw aborted();
  return { baseUrl, headers };
}
