// ChatGPT's OAuth (auth.openai.com) as pi-ai 1.6.1's Codex login uses it (dist/auth/oauth/openai-codex.js):
// authorize → the registered redirect http://localhost:1455/auth/callback only, a form-encoded token
// endpoint with PKCE, single-use rotating refresh tokens, and an access token carrying the ChatGPT
// account id in its https://api.openai.com/auth claim. On 127.0.0.1.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
const REDIRECT_URI = 'http://localhost:1455/auth/callback';

/** An unsigned JWT (emulator only), standard base64 as pi-ai decodes it with atob. */
const jwt = (claims) => {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64').replace(/=+$/, '');
  return `${part({ alg: 'none' })}.${part(claims)}.sig`;
};

export async function startChatGptAuthEmulator() {
  let n = 0;
  const codes = new Map(); // code → { challenge, account }
  const refreshTokens = new Map();
  const accounts = new Map(); // access token → account number
  const stats = { authorizes: 0, tokens: 0, errors: [], lastRedirect: '' };
  const mint = (account) => {
    const access = jwt({
      'https://api.openai.com/auth': { chatgpt_account_id: `acct-host-${account}` },
      exp: Math.floor(Date.now() / 1000) + 3600,
      n: ++n,
    });
    const refresh = `rt-chatgpt-${account}-${n}-${Math.random().toString(36).slice(2)}`;
    accounts.set(access, account);
    refreshTokens.set(refresh, account);
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: 3600,
      id_token: jwt({ sub: `user-${account}` }),
    };
  };
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
      // Like auth.openai.com: only the registered redirect, PKCE S256, a state, the offline scope.
      if (
        q.client_id !== CLIENT_ID ||
        q.redirect_uri !== REDIRECT_URI ||
        q.response_type !== 'code' ||
        q.code_challenge_method !== 'S256' ||
        !q.code_challenge ||
        !q.state ||
        !/\boffline_access\b/.test(q.scope ?? '')
      )
        return fail('authorize shape');
      stats.authorizes++;
      const account = stats.authorizes;
      const code = `chatgpt-code-${account}-${Math.random().toString(36).slice(2)}`;
      codes.set(code, { challenge: q.code_challenge, account });
      stats.lastRedirect = `${REDIRECT_URI}?code=${code}&scope=${encodeURIComponent(q.scope)}&state=${q.state}`;
      res.writeHead(302, { location: stats.lastRedirect });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return fail('token requests are forms');
      const b = Object.fromEntries(new URLSearchParams(body));
      if (b.client_id !== CLIENT_ID) return fail('client id');
      stats.tokens++;
      if (b.grant_type === 'authorization_code') {
        const c = codes.get(b.code);
        codes.delete(b.code); // single use
        if (
          !c ||
          b.redirect_uri !== REDIRECT_URI ||
          createHash('sha256')
            .update(b.code_verifier ?? '')
            .digest('base64url') !== c.challenge
        )
          return json(400, { error: 'invalid_grant' });
        return json(200, mint(c.account));
      }
      if (b.grant_type === 'refresh_token') {
        const account = refreshTokens.get(b.refresh_token);
        refreshTokens.delete(b.refresh_token);
        if (!account) return json(400, { error: 'invalid_grant' });
        return json(200, mint(account));
      }
      return json(400, { error: 'unsupported_grant_type' });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    stats,
    /** The newest access token of the n-th account signed in. */
    tokenOf: (account) => [...accounts].filter(([, a]) => a === account).at(-1)?.[0],
    routes: () => ({ 'openai-codex': { authorizeUrl: `${base}/oauth/authorize`, tokenUrl: `${base}/oauth/token` } }),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
