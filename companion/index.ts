// Pi Accounts' companion: a pi extension (https://github.com/badlogic/pi-mono, packages/
// coding-agent/docs/extensions.md) installed by "Connect pi…". It reports the outcome of every
// provider request pi makes to the Pi Accounts window(s) of this user, and re-reads auth.json
// when Pi Accounts switched the account, so pi's next request (its own retry included) uses it.
// Hooks used, all from @mariozechner/pi-coding-agent 0.73.1's ExtensionAPI:
// - before_provider_request: which stored credential the request carries (by reference);
// - after_provider_response: status and rate-limit headers of answers pi-ai hands over
//   (successful ones: the providers' SDKs throw on an error status before that hook);
// - message_end: an assistant message that ended in error carries the status in its text;
// - ctx.modelRegistry.authStorage.reload(): pi's own way to re-read auth.json.
import type { ExtensionAPI, ExtensionContext } from '@mariozechner/pi-coding-agent' with {
  'resolution-mode': 'import',
};
import { channelDir } from '../src/core/pi-link/channel-dir';
import { fingerprint, isUsageHeader, PROTOCOL, type PiReport } from '../src/core/pi-link/protocol';
import { Link } from './link';

export const COMPANION_VERSION = '1';

type Stored = { type?: string; key?: string; access?: string } | undefined;

/** The HTTP status in pi-ai's error text ("429 {…}" from the providers' SDKs). */
export function statusOf(error: string): number | undefined {
  const m = /^(\d{3})\b/.exec(error) ?? /\b(401|403|429)\b/.exec(error);
  return m ? Number(m[1]) : undefined;
}

export default function piAccountsCompanion(pi: ExtensionAPI): void {
  let seq = 0;
  let stored: Stored;
  let auth: ExtensionContext['modelRegistry']['authStorage'] | undefined;
  const reload = () => {
    try {
      auth?.reload();
    } catch {
      // pi keeps the credential it has
    }
  };
  const link = new Link(
    channelDir(),
    { v: PROTOCOL, type: 'hello', pid: process.pid, companion: COMPANION_VERSION },
    reload,
  );

  const base = (ctx: ExtensionContext, status: number) => {
    const s = stored;
    const secret = s?.type === 'api_key' ? s.key : s?.type === 'oauth' ? s.access : undefined;
    return {
      v: PROTOCOL,
      type: 'report',
      pid: process.pid,
      seq: ++seq,
      provider: ctx.model?.provider ?? 'unknown',
      model: ctx.model?.id,
      status,
      headers: {},
      key: secret ? fingerprint(secret) : undefined,
    } as PiReport;
  };

  pi.on('session_start', (_e, ctx) => {
    auth = ctx.modelRegistry.authStorage;
    link.connected();
  });

  pi.on('before_provider_request', (_e, ctx) => {
    if (!link.connected()) return undefined;
    const provider = ctx.model?.provider;
    try {
      stored = provider ? ctx.modelRegistry.authStorage.get(provider) : undefined;
    } catch {
      stored = undefined;
    }
    return undefined;
  });

  pi.on('after_provider_response', (e, ctx) => {
    if (!link.connected()) return;
    const r = base(ctx, e.status);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(e.headers))
      if (isUsageHeader(name.toLowerCase()) && typeof value === 'string')
        headers[name.toLowerCase()] = value.slice(0, 500);
    r.headers = headers;
    r.wantsAck = e.status >= 400;
    return link.send(r).then(() => undefined);
  });

  pi.on('message_end', async (e, ctx) => {
    const m = e.message as { role?: string; stopReason?: string; errorMessage?: string };
    if (m.role !== 'assistant' || m.stopReason !== 'error' || !m.errorMessage || !link.connected()) return;
    const status = statusOf(m.errorMessage);
    if (status === undefined) return;
    const r = base(ctx, status);
    r.error = m.errorMessage.slice(0, 300);
    r.wantsAck = true;
    // Held until Pi Accounts decided (at most ACK_TIMEOUT_MS): pi's retry comes after this.
    await link.send(r);
  });

  pi.on('session_shutdown', () => link.close());
}
