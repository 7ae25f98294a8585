// GitHub's device flow and Copilot token exchange on 127.0.0.1, strict about the wire format
// (form bodies, client id, grant type, the editor headers). The verification page approves
// the code shown to it only when the test says so, like a person who enters it or does not.
import { createServer } from 'node:http';

const CLIENT_ID = 'Iv1.b507a08c87ecfe98';
const MODELS = ['gpt-4.1', 'claude-sonnet-4.5'];

export async function startCopilotEmulator() {
  let n = 0;
  let autoApprove = false;
  const codes = new Map(); // device_code → { userCode, approved }
  const stats = { visits: [], polls: 0, exchanges: 0, errors: [], issued: [], policies: [] };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url, 'http://x');
    const form = Object.fromEntries(new URLSearchParams(body));
    const json = (status, value) => (
      res.writeHead(status, { 'content-type': 'application/json' }),
      res.end(JSON.stringify(value))
    );
    const fail = (why) => (stats.errors.push(why), json(400, { error: 'bad_request', error_description: why }));
    if (req.method === 'POST' && url.pathname === '/login/device/code') {
      if (
        req.headers['content-type'] !== 'application/x-www-form-urlencoded' ||
        form.client_id !== CLIENT_ID ||
        form.scope !== 'read:user'
      )
        return fail('device code request shape');
      n++;
      const entry = { deviceCode: `dc-${n}`, userCode: `ABCD-${String(1000 + n)}`, approved: false };
      codes.set(entry.deviceCode, entry);
      return json(200, {
        device_code: entry.deviceCode,
        user_code: entry.userCode,
        verification_uri: `${base}/login/device`,
        expires_in: 900,
        interval: 1,
      });
    }
    if (req.method === 'GET' && url.pathname === '/login/device') {
      stats.visits.push(Date.now());
      if (autoApprove) for (const c of codes.values()) c.approved = true;
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>Device activation</title><h1>Enter the code</h1>');
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      stats.polls++;
      if (form.client_id !== CLIENT_ID || form.grant_type !== 'urn:ietf:params:oauth:grant-type:device_code')
        return fail('poll shape');
      const c = codes.get(form.device_code);
      if (!c) return json(200, { error: 'expired_token' });
      if (!c.approved) return json(200, { error: 'authorization_pending' });
      const github = `gho_hostEmulatorToken${c.deviceCode.replace('-', '')}0123`;
      stats.issued.push(github);
      return json(200, { access_token: github, token_type: 'bearer', scope: 'read:user' });
    }
    if (req.method === 'GET' && url.pathname === '/copilot_internal/v2/token') {
      if (
        req.headers['editor-version'] !== 'vscode/1.107.0' ||
        req.headers['copilot-integration-id'] !== 'vscode-chat' ||
        !/^Bearer gho_/.test(req.headers.authorization ?? '')
      )
        return json(401, { message: 'Bad credentials' });
      stats.exchanges++;
      const token = `tid=host${stats.exchanges};exp=${Math.floor(Date.now() / 1000) + 1800};proxy-ep=proxy.individual.githubcopilot.com;`;
      stats.issued.push(token);
      return json(200, { token, expires_at: Math.floor(Date.now() / 1000) + 1800, refresh_in: 1500 });
    }
    // The Copilot API: the account's models, and enabling one (what pi's /login does after signing in).
    const copilot =
      /^Bearer tid=/.test(req.headers.authorization ?? '') && req.headers['editor-version'] === 'vscode/1.107.0';
    if (req.method === 'GET' && url.pathname === '/models') {
      if (!copilot) return json(401, { message: 'unauthorized' });
      return json(200, { data: MODELS.map((id) => ({ id })) });
    }
    const policy = /^\/models\/([^/]+)\/policy$/.exec(url.pathname);
    if (req.method === 'POST' && policy) {
      if (!copilot || req.headers['openai-intent'] !== 'chat-policy' || JSON.parse(body || '{}').state !== 'enabled')
        return fail('policy shape');
      stats.policies.push(decodeURIComponent(policy[1]));
      return json(200, {});
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    stats,
    /** From now on, a visit to the verification page approves the codes (the person enters it). */
    approveOnVisit() {
      autoApprove = true;
    },
    env: () => JSON.stringify({ 'github-copilot': { web: base, api: base, models: base } }),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
