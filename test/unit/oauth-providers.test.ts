import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { isFault } from '../../src/core/faults';
import { anthropicOAuth as anthropic } from '../../src/core/providers/anthropic';
import type { DeviceCode } from '../../src/core/oauth/device';
import {
  COPILOT_HEADERS,
  copilotBaseUrl,
  domainProblem,
  githubCopilotOAuth as githubCopilot,
  normalizeDomain,
} from '../../src/core/providers/github-copilot';
import { openaiCodexOAuth as openaiCodex } from '../../src/core/providers/openai-codex';
import type { LoginUi } from '../../src/core/oauth/provider';
import { emulator, s256, type Reply, type Seen } from './emulator';

/** The person's browser: checks the authorize URL, then is redirected back with a code. */
function browserUi(
  onAuthorize: (url: URL) => { code?: string; error?: string; state?: string },
  extra: Partial<LoginUi> = {},
): LoginUi & { opened: URL[] } {
  const opened: URL[] = [];
  return {
    opened,
    signal: new AbortController().signal,
    async openBrowser(raw) {
      const url = new URL(raw);
      opened.push(url);
      const answer = onAuthorize(url);
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('state', answer.state ?? url.searchParams.get('state')!);
      if (answer.code) back.searchParams.set('code', answer.code);
      if (answer.error) back.searchParams.set('error', answer.error);
      // Deliver the redirect the way a browser would, to localhost:<port>.
      setTimeout(
        () =>
          request(
            {
              host: '127.0.0.1',
              port: Number(back.port),
              path: back.pathname + back.search,
              headers: { host: back.host },
            },
            (r) => r.resume(),
          ).end(),
        10,
      );
    },
    loopbackReachable: async () => true,
    pasteCode: () => new Promise(() => undefined), // nobody pastes unless a test says so
    showDeviceCode: async () => undefined,
    ask: async () => '',
    ...extra,
  };
}

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('OAuth providers against emulators of their wire formats', function () {
  this.timeout(20_000);

  describe('Anthropic (Claude Pro/Max)', () => {
    let challenge = '';
    let redirect = '';
    const route = (r: Seen): Reply => {
      assert.equal(r.headers['content-type'], 'application/json', 'Anthropic token requests are JSON');
      const b = JSON.parse(r.body);
      assert.equal(b.client_id, '9d1c250a-e61b-44d9-88ed-5944d1962f5e');
      if (b.grant_type === 'authorization_code') {
        assert.equal(s256(b.code_verifier), challenge, 'PKCE verifier matches the challenge');
        assert.equal(b.state, b.code_verifier, 'Anthropic uses the verifier as state');
        assert.equal(b.redirect_uri, redirect);
        assert.equal(b.code, 'auth-code-1');
        return { json: { access_token: 'sk-ant-oat01-access-1', refresh_token: 'rt-1', expires_in: 3600 } };
      }
      assert.deepEqual(Object.keys(b).sort(), ['client_id', 'grant_type', 'refresh_token'], 'no scope on refresh');
      if (b.refresh_token === 'spent')
        return { status: 400, json: { error: 'invalid_grant', error_description: 'spent rt spent' } };
      if (b.refresh_token === 'boom') return { status: 500, json: {} };
      if (b.refresh_token === 'garbage') return { raw: '<html>oops' };
      return { json: { access_token: 'sk-ant-oat01-access-2', refresh_token: 'rt-2', expires_in: 3600 } };
    };

    it('signs in through the loopback and refreshes with a rotated token, expiry 5 min early', async () => {
      const em = await emulator(route);
      const now = 1_000_000;
      const p = anthropic({ tokenUrl: `${em.base}/v1/oauth/token`, port: 0 }, () => now);
      const ui = browserUi((url) => {
        challenge = url.searchParams.get('code_challenge')!;
        redirect = url.searchParams.get('redirect_uri')!;
        assert.equal(url.origin + url.pathname, 'https://claude.ai/oauth/authorize');
        assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
        assert.equal(url.searchParams.get('code'), 'true');
        assert.match(url.searchParams.get('scope')!, /user:inference/);
        assert.match(redirect, /^http:\/\/localhost:\d+\/callback$/);
        return { code: 'auth-code-1' };
      });
      const cred = await p.login(ui);
      assert.deepEqual(cred, {
        type: 'oauth',
        refresh: 'rt-1',
        access: 'sk-ant-oat01-access-1',
        expires: now + 3600_000 - 300_000,
      });
      const next = await p.refresh(cred);
      assert.equal(next.refresh, 'rt-2');
      assert.equal(p.apiKey(next), 'sk-ant-oat01-access-2');
      await em.close();
    });

    it('falls back to paste when the port is taken, and checks the pasted state', async () => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as { port: number }).port;
      const em = await emulator(route);
      const p = anthropic({ tokenUrl: `${em.base}/t`, port });
      let state = '';
      const ui = browserUi(() => ({}), {
        async openBrowser(raw) {
          const url = new URL(raw);
          challenge = url.searchParams.get('code_challenge')!;
          redirect = url.searchParams.get('redirect_uri')!;
          state = url.searchParams.get('state')!;
        },
        pasteCode: async () => `auth-code-1#${state}`,
      });
      assert.equal((await p.login(ui)).access, 'sk-ant-oat01-access-1');
      const wrong = browserUi(() => ({}), {
        openBrowser: async () => undefined,
        pasteCode: async () => 'auth-code-1#not-this-attempt',
      });
      await assert.rejects(p.login(wrong), (e) => isFault(e, 'oauth') && /state mismatch/.test(e.message));
      blocker.close();
      await em.close();
    });

    it('asks only for a paste when the browser cannot reach the loopback (remote editor), and withdraws the paste box when the loopback wins', async () => {
      const em = await emulator(route);
      const p = anthropic({ tokenUrl: `${em.base}/t`, port: 0 });
      let state = '';
      const remote = browserUi(() => ({}), {
        loopbackReachable: async (uri) => (assert.equal(uri, 'http://localhost:0/callback'), false),
        async openBrowser(raw) {
          const url = new URL(raw);
          challenge = url.searchParams.get('code_challenge')!;
          redirect = url.searchParams.get('redirect_uri')!;
          state = url.searchParams.get('state')!;
        },
        pasteCode: async (message) => (
          assert.match(message, /^Paste the code/),
          `http://localhost:0/callback?code=auth-code-1&state=${state}`
        ),
      });
      assert.equal((await p.login(remote)).access, 'sk-ant-oat01-access-1');
      let withdrawn = false;
      const local = browserUi(
        (url) => (
          (challenge = url.searchParams.get('code_challenge')!),
          (redirect = url.searchParams.get('redirect_uri')!),
          { code: 'auth-code-1' }
        ),
        {
          pasteCode: (_m, signal) =>
            new Promise((_r, reject) =>
              signal.addEventListener('abort', () => ((withdrawn = true), reject(new Error('withdrawn')))),
            ),
        },
      );
      assert.equal((await p.login(local)).access, 'sk-ant-oat01-access-1');
      assert.equal(withdrawn, true, 'the paste box closes once the browser came back');
      await em.close();
    });

    it('turns consent denied, invalid_grant, 500 and malformed bodies into typed faults without secrets', async () => {
      const em = await emulator(route);
      const p = anthropic({ tokenUrl: `${em.base}/t`, port: 0 });
      await assert.rejects(p.login(browserUi(() => ({ error: 'access_denied' }))), (e) => isFault(e, 'denied'));
      const base = { type: 'oauth' as const, access: 'a', expires: 0 };
      await assert.rejects(
        p.refresh({ ...base, refresh: 'spent' }),
        (e) => isFault(e, 'needs-sign-in') && !e.message.includes('spent rt'),
      );
      await assert.rejects(p.refresh({ ...base, refresh: 'boom' }), (e) => isFault(e, 'network'));
      await assert.rejects(p.refresh({ ...base, refresh: 'garbage' }), (e) => isFault(e, 'oauth'));
      await em.close();
    });
  });

  describe('OpenAI Codex (ChatGPT Plus/Pro)', () => {
    it('signs in with form bodies, keeps expiry unshortened and reads the account id from the token', async () => {
      let challenge = '';
      let redirect = '';
      const access = jwt({ 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-123' } });
      const em = await emulator((r) => {
        assert.equal(
          r.headers['content-type'],
          'application/x-www-form-urlencoded',
          'Codex token requests are form-encoded',
        );
        const b = Object.fromEntries(new URLSearchParams(r.body));
        assert.equal(b.client_id, 'app_EMoamEEZ73f0CkXaXp7hrann');
        if (b.grant_type === 'authorization_code') {
          assert.equal(s256(b.code_verifier), challenge);
          assert.equal(b.redirect_uri, redirect);
          return { json: { access_token: access, refresh_token: 'rt-1', expires_in: 864000, id_token: 'x' } };
        }
        if (b.refresh_token === 'no-account')
          return { json: { access_token: jwt({}), refresh_token: 'rt-3', expires_in: 60 } };
        return { json: { access_token: access, refresh_token: 'rt-2', expires_in: 864000 } };
      });
      const now = 5_000;
      const p = openaiCodex({ tokenUrl: `${em.base}/oauth/token`, port: 0 }, () => now);
      const cred = await p.login(
        browserUi((url) => {
          challenge = url.searchParams.get('code_challenge')!;
          redirect = url.searchParams.get('redirect_uri')!;
          assert.match(redirect, /^http:\/\/localhost:\d+\/auth\/callback$/);
          assert.equal(url.searchParams.get('originator'), 'pi');
          assert.equal(url.searchParams.get('codex_cli_simplified_flow'), 'true');
          assert.equal(url.searchParams.get('id_token_add_organizations'), 'true');
          assert.match(url.searchParams.get('state')!, /^[0-9a-f]{32}$/);
          return { code: 'c' };
        }),
      );
      assert.deepEqual(cred, {
        type: 'oauth',
        refresh: 'rt-1',
        access,
        expires: now + 864000_000,
        accountId: 'acct-123',
      });
      assert.equal((await p.refresh(cred)).refresh, 'rt-2');
      await assert.rejects(
        p.refresh({ ...cred, refresh: 'no-account' }),
        (e) => isFault(e, 'oauth') && /no account/.test(e.message),
      );
      await em.close();
    });
  });

  describe('GitHub Copilot (device flow + Copilot token)', () => {
    it('runs the device flow, then exchanges the GitHub token with the editor headers', async () => {
      let polls = 0;
      const expiresAt = Math.floor(Date.now() / 1000) + 1800; // within a year: farther expiries are clamped
      const em = await emulator((r) => {
        if (r.path === '/login/device/code') {
          assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
          assert.deepEqual(Object.fromEntries(new URLSearchParams(r.body)), {
            client_id: 'Iv1.b507a08c87ecfe98',
            scope: 'read:user',
          });
          return {
            json: {
              device_code: 'dc-1',
              user_code: 'WDJB-MJHT',
              verification_uri: 'https://github.com/login/device',
              expires_in: 900,
              interval: 1,
            },
          };
        }
        if (r.path === '/login/oauth/access_token') {
          const b = Object.fromEntries(new URLSearchParams(r.body));
          assert.deepEqual(b, {
            client_id: 'Iv1.b507a08c87ecfe98',
            device_code: 'dc-1',
            grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          });
          // GitHub answers "pending" with status 200.
          return ++polls < 2
            ? { json: { error: 'authorization_pending' } }
            : { json: { access_token: 'gho_github_token_0123456789', token_type: 'bearer' } };
        }
        assert.equal(r.path, '/copilot_internal/v2/token');
        assert.equal(r.method, 'GET');
        for (const [k, v] of Object.entries(COPILOT_HEADERS)) assert.equal(r.headers[k.toLowerCase()], v, k);
        if (r.headers.authorization === 'Bearer gho_revoked_0000000000000')
          return { status: 401, json: { message: 'Bad credentials' } };
        assert.equal(r.headers.authorization, 'Bearer gho_github_token_0123456789');
        return {
          json: {
            token: 'tid=1;exp=2;proxy-ep=proxy.individual.githubcopilot.com;',
            expires_at: expiresAt,
            refresh_in: 1500,
          },
        };
      });
      const shown: DeviceCode[] = [];
      const p = githubCopilot({ webBase: () => em.base, apiBase: () => em.base });
      const cred = await p.login(browserUi(() => ({}), { showDeviceCode: async (c) => void shown.push(c) }));
      assert.equal(shown[0].userCode, 'WDJB-MJHT');
      assert.deepEqual(cred, {
        type: 'oauth',
        refresh: 'gho_github_token_0123456789',
        access: 'tid=1;exp=2;proxy-ep=proxy.individual.githubcopilot.com;',
        expires: expiresAt * 1000 - 300_000,
      });
      assert.equal(copilotBaseUrl(cred.access), 'https://api.individual.githubcopilot.com');
      const refreshed = await p.refresh(cred);
      assert.equal(refreshed.refresh, cred.refresh, 'the GitHub token is reused, never rotated');
      await assert.rejects(p.refresh({ ...cred, refresh: 'gho_revoked_0000000000000' }), (e) =>
        isFault(e, 'needs-sign-in'),
      );
      await em.close();
    });

    it('keeps an Enterprise host as a bare hostname', () => {
      assert.equal(normalizeDomain(''), undefined);
      assert.equal(normalizeDomain(' https://company.ghe.com/login '), 'company.ghe.com');
      assert.equal(normalizeDomain('company.ghe.com'), 'company.ghe.com');
      assert.throws(
        () => normalizeDomain('not a host'),
        (e) => isFault(e, 'oauth'),
      );
      assert.throws(
        () => normalizeDomain('not a host!'),
        (e) => isFault(e, 'oauth'),
      );
      assert.match(domainProblem('company.ghe.com:8443') ?? '', /port/, 'a port is refused, not dropped');
      assert.match(domainProblem('ftp://company.ghe.com') ?? '', /not a web address/);
      assert.equal(domainProblem(''), undefined);
      assert.equal(domainProblem('https://ghe.example.co.uk/'), undefined);
      assert.equal(copilotBaseUrl('tid=1;exp=2', 'company.ghe.com'), 'https://copilot-api.company.ghe.com');
    });
  });
});
