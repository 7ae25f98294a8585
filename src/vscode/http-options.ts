import * as vscode from 'vscode';
import type { HttpOptions } from '../core/http';
import { proxyOptions, type ProxySettings } from '../core/proxy';

let cached: { key: string; options: HttpOptions | undefined } | undefined;

/** Our requests go through VS Code's proxy settings (`http.proxy`, `http.noProxy`, `http.proxyStrictSSL`, `http.proxyAuthorization`). */
export function httpOptions(): HttpOptions | undefined {
  const config = vscode.workspace.getConfiguration('http');
  const settings: ProxySettings = {
    proxy: config.get<string>('proxy') ?? '',
    noProxy: config.get<string[]>('noProxy') ?? [],
    strictSSL: config.get<boolean>('proxyStrictSSL', true),
    authorization: config.get<string>('proxyAuthorization') ?? undefined,
  };
  const key = JSON.stringify(settings);
  if (cached?.key !== key) cached = { key, options: proxyOptions(settings) };
  return cached.options;
}
