import { ProxyAgent } from 'undici';
import * as vscode from 'vscode';
import type { HttpOptions } from '../core/http';

let cached: { key: string; options: HttpOptions | undefined } | undefined;

/** Our requests go through VS Code's `http.proxy` when one is set (and honour proxyStrictSSL). */
export function httpOptions(): HttpOptions | undefined {
  const config = vscode.workspace.getConfiguration('http');
  const proxy = config.get<string>('proxy')?.trim() ?? '';
  const strict = config.get<boolean>('proxyStrictSSL', true);
  const key = `${proxy}|${strict}`;
  if (cached?.key !== key) {
    cached = { key, options: proxy ? { dispatcher: new ProxyAgent({ uri: proxy, requestTls: { rejectUnauthorized: strict } }) } : undefined };
  }
  return cached.options;
}
