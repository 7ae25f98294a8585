// Claude's OAuth (authorize → loopback redirect, JSON token endpoint with PKCE and rotating
// refresh tokens) and its usage endpoint, on 127.0.0.1. Usage per account is set by the test.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e';

export async function startAnthropicEmulator(opts = {}) {
  let n = 0;
  const codes = new Map(); // code → { challenge, redirectUri, account }
  const accounts = new Map(); // access token → account number
  const usage = new Map(); // account number → { five, seven }
  const refreshTokens = new Map(); // live refresh token → account number (single use)
  const revoked = new Set();
  const issued = []; // every token handed out, for the secrets audit
  let generation = 0;
  const mint = (account) => {
    const access = `sk-ant-oat01-hostAccount${account}-g${++generation}-${Date.now()}`;
    const refresh = `rt-host-${account}-g${generation}-${Math.random().toString(36).slice(2)}`;
    accounts.set(access, account);
    refreshTokens.set(refresh, account);
    issued.push(access, refresh);
    return { access_token: access, refresh_token: refresh, expires_in: opts.expiresIn ?? 28800 };
  };
  const stats = { authorizes: 0, tokens: 0, usage: 0, errors: [], lastRedirect: '' };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url, 'http://x');
    const json = (status, value) => (
      res.writeHead(status, { 'content-type': 'application/json' }),
      res.end(JSON.stringify(value))
    );
    const fail = (why) => (stats.errors.push(why), json(400, { error: 'invalid_request', error_description: why }));
    if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
      const q = Object.fromEntries(url.searchParams);
      if (
        q.client_id !== CLIENT_ID ||
        q.code_challenge_method !== 'S256' ||
        q.redirect_uri !== 'http://localhost:53692/callback' ||
        (q.state !== undefined && !q.state)
      )
        return fail('authorize shape');
      stats.authorizes++;
      const code = `code-${++n}`;
      codes.set(code, { challenge: q.code_challenge, redirectUri: q.redirect_uri, account: n });
      // The person approves at once: back to the registered redirect, like claude.ai does.
      stats.lastRedirect = `${q.redirect_uri}?code=${code}&state=${encodeURIComponent(q.state)}`;
      res.writeHead(302, { location: stats.lastRedirect });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/v1/oauth/token') {
      // Like the real endpoint: no User-Agent, or Claude Code's own, is refused.
      const ua = req.headers['user-agent'];
      if (!ua || /^claude-(cli|code)\//i.test(ua))
        return (
          stats.errors.push('user-agent'),
          json(403, { error: { type: 'permission_error', message: 'Request not allowed' } })
        );
      if (req.headers['content-type'] !== 'application/json') return fail('token requests are JSON');
      const b = JSON.parse(body || '{}');
      if (b.client_id !== CLIENT_ID) return fail('client id');
      stats.tokens++;
      if (b.grant_type === 'authorization_code') {
        const c = codes.get(b.code);
        codes.delete(b.code);
        if (
          !c ||
          createHash('sha256')
            .update(b.code_verifier ?? '')
            .digest('base64url') !== c.challenge ||
          b.redirect_uri !== c.redirectUri
        )
          return json(400, { error: 'invalid_grant' });
        return json(200, mint(c.account));
      }
      if (b.grant_type === 'refresh_token') {
        const account = refreshTokens.get(b.refresh_token);
        refreshTokens.delete(b.refresh_token); // rotating, single use
        if (!account || revoked.has(account))
          return json(400, {
            error: 'invalid_grant',
            error_description: `refresh token ${b.refresh_token} is not valid`,
          });
        stats.refreshes = (stats.refreshes ?? 0) + 1;
        return json(200, mint(account));
      }
      return json(400, { error: 'unsupported_grant_type' });
    }
    if (req.method === 'GET' && url.pathname === '/api/oauth/usage') {
      stats.usage++;
      if (req.headers['anthropic-beta'] !== 'oauth-2025-04-20') return json(400, { error: 'beta header' });
      const account = accounts.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!account) return json(401, { error: { type: 'authentication_error' } });
      const u = usage.get(account) ?? { five: 0, seven: 0 };
      const soon = (h) => new Date(Date.now() + h * 3_600_000).toISOString();
      return json(200, {
        five_hour: { utilization: u.five, resets_at: soon(2) },
        seven_day: { utilization: u.seven, resets_at: soon(90) },
      });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    stats,
    /** Sets what the usage endpoint reports for the n-th account signed in (1-based). */
    setUsage: (account, five, seven) => usage.set(account, { five, seven }),
    /** The newest access token of the n-th account. */
    tokenOf: (account) => [...accounts].filter(([, a]) => a === account).at(-1)?.[0],
    issued,
    revoke: (account) => revoked.add(account),
    env: () =>
      JSON.stringify({
        anthropic: {
          authorizeUrl: `${base}/oauth/authorize`,
          tokenUrl: `${base}/v1/oauth/token`,
          usage: `${base}/api/oauth/usage`,
        },
      }),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
