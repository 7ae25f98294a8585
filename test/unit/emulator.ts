import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
export type Reply = { status?: number; json?: unknown; raw?: string; headers?: Record<string, string> };

/** A provider's wire format on 127.0.0.1: records every request, answers from `route`. */
export async function emulator(route: (r: Seen) => Reply | Promise<Reply>) {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const r: Seen = { method: req.method!, path: req.url!, headers: req.headers, body };
    seen.push(r);
    let reply: Reply;
    try {
      reply = await route(r);
    } catch (e) {
      reply = { status: 599, json: { error: 'emulator_assertion', error_description: (e as Error).message } };
    }
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.raw ?? JSON.stringify(reply.json ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

export const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');

export const ANTHROPIC_CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e';

/**
 * Anthropic's token endpoint refuses a request with no User-Agent, and one that claims to be
 * Claude Code (claude-cli/…, claude-code/…), with 403: what its users report of the real one.
 */
export const refusedAnthropicAgent = (ua: string | undefined) => !ua || /^claude-(cli|code)\//i.test(ua);

/**
 * Anthropic's token endpoint as far as refresh goes, strict like the real one: JSON body,
 * our client id, every refresh token good for ONE use (a reused one is invalid_grant, the way
 * rotating servers treat theft). `stats.failures` are statuses answered before the next success.
 */
export async function anthropicTokenServer(
  opts: { latencyMs?: number; expiresIn?: number; refreshTokens?: string[] } = {},
) {
  let generation = 0;
  const live = new Set(opts.refreshTokens ?? ['rt-0', 'rt-second']);
  const stats = { refreshes: 0, reused: 0, failures: [] as number[] };
  const em = await emulator(async (r) => {
    if (refusedAnthropicAgent(r.headers['user-agent']))
      return { status: 403, json: { error: { type: 'permission_error', message: 'Request not allowed' } } };
    assert.equal(r.headers['content-type'], 'application/json');
    const b = JSON.parse(r.body);
    assert.equal(b.client_id, ANTHROPIC_CLIENT_ID);
    assert.equal(b.grant_type, 'refresh_token');
    if (opts.latencyMs) await new Promise((res) => setTimeout(res, opts.latencyMs));
    const status = stats.failures.shift();
    if (status) return { status, json: { error: 'server_error' } };
    if (!live.delete(b.refresh_token)) {
      stats.reused++;
      return { status: 400, json: { error: 'invalid_grant', error_description: 'Refresh token not found or invalid' } };
    }
    stats.refreshes++;
    generation++;
    live.add(`rt-${generation}`);
    return {
      json: {
        access_token: `sk-ant-oat01-access-${generation}`,
        refresh_token: `rt-${generation}`,
        expires_in: opts.expiresIn ?? 28_800,
      },
    };
  });
  return { ...em, stats, tokenUrl: `${em.base}/v1/oauth/token` };
}
