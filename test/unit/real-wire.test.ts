// Our requests as the providers' own clients send them (issue "against the real services"):
// emulators here refuse what the real servers refuse, so a request that passes would pass there.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { version } from '../../package.json';
import { getJson, postJson, USER_AGENT } from '../../src/core/http';
import { routedOAuth } from './pi-routing';
import { COPILOT_HEADERS, enableCopilotModels } from '../../src/core/providers/github-copilot';
import { AfterSignIn } from '../../src/core/providers/after-sign-in';
import { anthropicTokenServer, emulator } from './emulator';

const raw = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => (res.resume(), resolve(res.statusCode!)),
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({
        grant_type: 'refresh_token',
        client_id: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
        refresh_token: 'rt-0',
      }),
    );
  });

describe("real wire: requests as the providers' own clients send them", function () {
  this.timeout(20_000);

  it('every request carries "pi-accounts/<package.json version>" unless the provider sets its own client identity', async () => {
    const em = await emulator(() => ({ json: {} }));
    try {
      await getJson(`${em.base}/a`);
      await postJson(`${em.base}/b`, {}, { headers: { 'User-Agent': COPILOT_HEADERS['User-Agent'] } });
      assert.equal(USER_AGENT, `pi-accounts/${version}`);
      assert.equal(em.seen[0].headers['user-agent'], `pi-accounts/${version}`);
      assert.equal(em.seen[1].headers['user-agent'], 'GitHubCopilotChat/0.35.0', "one User-Agent, the provider's");
    } finally {
      await em.close();
    }
  });

  it("Anthropic's token endpoint refuses no User-Agent and Claude Code's own with 403; pi-ai's refresh passes", async () => {
    const server = await anthropicTokenServer();
    try {
      assert.equal(await raw(server.tokenUrl, {}), 403, 'no User-Agent');
      assert.equal(await raw(server.tokenUrl, { 'user-agent': 'claude-cli/2.1.75 (external, cli)' }), 403);
      assert.equal(await raw(server.tokenUrl, { 'user-agent': 'claude-code/2.0.0' }), 403);
      const cred = await routedOAuth('anthropic', { tokenUrl: server.tokenUrl }).refresh({
        type: 'oauth',
        refresh: 'rt-0',
        access: 'old',
        expires: 0,
      });
      assert.equal(cred.refresh, 'rt-1');
      assert.equal(server.stats.refreshes, 1);
    } finally {
      await server.close();
    }
  });

  it('Copilot after sign-in: POST {api}/models/{id}/policy {"state":"enabled"} for each listed model, with the editor headers', async () => {
    const policies: string[] = [];
    const em = await emulator((r) => {
      if (
        r.headers['editor-version'] !== 'vscode/1.107.0' ||
        r.headers.authorization !== 'Bearer tid=1;proxy-ep=proxy.x'
      )
        return { status: 401, json: {} };
      if (r.method === 'GET' && r.path === '/models')
        return { json: { data: [{ id: 'gpt-4.1' }, { id: 'claude-sonnet-4.5' }, { id: 'grok-code' }] } };
      const m = /^\/models\/([^/]+)\/policy$/.exec(r.path);
      if (
        r.method !== 'POST' ||
        !m ||
        r.headers['openai-intent'] !== 'chat-policy' ||
        r.headers['x-interaction-type'] !== 'chat-policy' ||
        JSON.parse(r.body).state !== 'enabled'
      )
        return { status: 400, json: {} };
      policies.push(m[1]);
      return m[1] === 'grok-code' ? { status: 500, json: {} } : { json: {} };
    });
    try {
      const cred = {
        type: 'oauth' as const,
        refresh: 'gho_x',
        access: 'tid=1;proxy-ep=proxy.x',
        expires: Date.now() + 60_000,
      };
      const r = await enableCopilotModels(cred, {}, em.base);
      assert.deepEqual([...r.enabled].sort(), ['claude-sonnet-4.5', 'gpt-4.1']);
      assert.deepEqual(r.failed, ['grok-code']);
      assert.deepEqual([...policies].sort(), ['claude-sonnet-4.5', 'gpt-4.1', 'grok-code']);

      // In the background after sign-in: never throws; what failed is logged and kept for the account.
      const lines: string[] = [];
      let changed = 0;
      const log = {
        trace() {},
        info: (m: string) => lines.push(m),
        warn: (m: string) => lines.push(m),
        error: (m: string) => lines.push(m),
      };
      const enabler = new AfterSignIn({
        log,
        http: () => undefined,
        testRoute: () => em.base,
        changed: () => changed++,
      });
      await enabler.run('github-copilot', 'work', cred);
      assert.match(enabler.problem('github-copilot', 'work') ?? '', /did not enable 1 model\(s\): grok-code/);
      await enabler.run('github-copilot', 'broken', { ...cred, access: 'tid=refused' });
      assert.match(
        enabler.problem('github-copilot', 'broken') ?? '',
        /Enabling the Copilot models failed: Copilot did not list/,
      );
      await enabler.run('anthropic', 'x', cred);
      assert.equal(enabler.problem('anthropic', 'x'), undefined, 'only Copilot');
      assert.equal(changed, 2);
      assert.ok(lines.some((l) => /2 of 3/.test(l)));
    } finally {
      await em.close();
    }
  });
});
