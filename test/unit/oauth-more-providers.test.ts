// Qwen, Kilo and Cline (sign-ins pi-ai does not ship; Kimi's is pi-ai's, pi-auth.test.ts) against emulators of their wire formats (providers.md
// §3.6–3.9): request shapes checked strictly, then their errors as typed faults.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { isFault } from '../../src/core/faults';
import { clineOAuth as cline, clineCallbackFromPaste } from '../../src/core/providers/cline';
import type { AuthEvent } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };
import { kiloOAuth as kilo } from '../../src/core/providers/kilo';
import type { SignInInteraction } from '../../src/core/oauth/provider';
import { qwenOAuth as qwen, qwenBaseUrl } from '../../src/core/providers/qwen-cli';
import { emulator, s256 } from './emulator';

const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

/** The editor as pi-ai's AuthInteraction: records device codes, follows sign-in addresses with `openBrowser`. */
function ui(extra: { openBrowser?: (url: string) => Promise<void> } = {}) {
  const shown: Extract<AuthEvent, { type: 'device_code' }>[] = [];
  const interaction: SignInInteraction & { shown: typeof shown } = {
    shown,
    signal: new AbortController().signal,
    prompt: () => new Promise<string>(() => undefined), // nobody pastes unless a test says so
    notify: (e) => {
      if (e.type === 'device_code') shown.push(e);
      if (e.type === 'auth_url') void extra.openBrowser?.(e.url);
    },
  };
  return interaction;
}

describe('our own sign-ins against emulators: Qwen, Kilo, Cline', function () {
  this.timeout(20_000);

  it('Qwen: device code with PKCE, resource_url kept as the API host, refresh keeps what is not sent again', async () => {
    let challenge = '';
    let polls = 0;
    const em = await emulator((r) => {
      assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
      const b = form(r.body);
      assert.equal(b.client_id, 'f0304373b74a44d2b584a3fb70ca9e56');
      if (r.path === '/device') {
        assert.equal(b.scope, 'openid profile email model.completion');
        assert.equal(b.code_challenge_method, 'S256');
        challenge = b.code_challenge;
        return {
          json: {
            device_code: 'qdc',
            user_code: 'QW-123',
            verification_uri: 'https://chat.qwen.ai/authorize',
            verification_uri_complete: 'https://chat.qwen.ai/authorize?user_code=QW-123',
            expires_in: 300,
            interval: 1,
          },
        };
      }
      if (b.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
        assert.equal(s256(b.code_verifier), challenge, 'the poll proves the PKCE verifier');
        assert.equal(b.device_code, 'qdc');
        return ++polls < 2
          ? { status: 400, json: { error: 'authorization_pending' } }
          : {
              json: {
                access_token: 'qwen-access-1',
                refresh_token: 'qwen-rt-1',
                expires_in: 3600,
                resource_url: 'portal.qwen.ai',
              },
            };
      }
      assert.deepEqual(b, {
        grant_type: 'refresh_token',
        refresh_token: 'qwen-rt-1',
        client_id: 'f0304373b74a44d2b584a3fb70ca9e56',
      });
      return { json: { access_token: 'qwen-access-2', expires_in: 3600 } };
    });
    const p = qwen({ deviceUrl: `${em.base}/device`, tokenUrl: `${em.base}/token` }, () => 1000);
    const u = ui();
    const cred = await p.login(u);
    assert.equal(
      u.shown[0].verificationUri,
      'https://chat.qwen.ai/authorize?user_code=QW-123',
      'with the code filled in',
    );
    assert.deepEqual(cred, {
      type: 'oauth',
      refresh: 'qwen-rt-1',
      access: 'qwen-access-1',
      expires: 1000 + 3_600_000 - 300_000,
      enterpriseUrl: 'portal.qwen.ai',
    });
    assert.equal(qwenBaseUrl(cred), 'https://portal.qwen.ai/v1');
    const next = await p.refresh(cred);
    assert.equal(next.refresh, 'qwen-rt-1', 'no new refresh token: the old one is kept');
    assert.equal(next.enterpriseUrl, 'portal.qwen.ai', 'no new resource_url: the old one is kept');
    assert.equal(
      qwenBaseUrl({ ...cred, enterpriseUrl: undefined }),
      'https://dashscope.aliyuncs.com/compatible-mode/v1',
    );
    await em.close();
  });

  it('Qwen: denied consent, an expired code and a 500 are typed faults', async () => {
    let answer: { status?: number; json: unknown } = { json: {} };
    const em = await emulator((r) =>
      r.path === '/device'
        ? {
            json: {
              device_code: 'd',
              user_code: 'U',
              verification_uri: 'https://chat.qwen.ai/authorize',
              expires_in: 300,
              interval: 1,
            },
          }
        : answer,
    );
    const p = qwen({ deviceUrl: `${em.base}/device`, tokenUrl: `${em.base}/token` });
    answer = { status: 400, json: { error: 'access_denied' } };
    await assert.rejects(p.login(ui()), (e) => isFault(e, 'denied'));
    answer = { status: 400, json: { error: 'expired_token' } };
    await assert.rejects(p.login(ui()), (e) => isFault(e, 'expired'));
    answer = { status: 500, json: {} };
    await assert.rejects(p.login(ui()), (e) => isFault(e, 'network'));
    await em.close();
  });

  it('Kilo: its own device authorization (202 pending, then a token), no refresh endpoint, a year of life', async () => {
    let polls = 0;
    let mode: 'ok' | 'denied' | 'expired' = 'ok';
    const em = await emulator((r) => {
      assert.equal(r.headers['x-kilocode-editorname'], 'Pi');
      if (r.method === 'POST') {
        assert.equal(r.path, '/api/device-auth/codes');
        assert.equal(r.headers['content-type'], 'application/json');
        return {
          json: { code: 'KILO-42', verificationUrl: 'https://app.kilo.ai/device?code=KILO-42', expiresIn: 600 },
        };
      }
      assert.equal(r.path, '/api/device-auth/codes/KILO-42');
      if (mode === 'denied') return { status: 403, json: {} };
      if (mode === 'expired') return { status: 410, json: {} };
      return ++polls < 3
        ? { status: 202, json: { status: 'pending' } }
        : { json: { status: 'approved', token: 'kilo-token-abc' } };
    });
    let now = 1_000;
    const p = kilo({ api: em.base, pollMs: 30 }, () => now);
    const u = ui();
    const cred = await p.login(u);
    assert.equal(u.shown[0].userCode, 'KILO-42');
    assert.deepEqual(cred, {
      type: 'oauth',
      access: 'kilo-token-abc',
      refresh: 'kilo-token-abc',
      expires: 1_000 + 365 * 86_400_000,
      provider: 'kilo',
    });
    assert.equal(await p.refresh(cred), cred, 'nothing to refresh while valid');
    now = cred.expires + 1;
    await assert.rejects(p.refresh(cred), (e) => isFault(e, 'needs-sign-in'));
    now = 1_000;
    mode = 'denied';
    await assert.rejects(p.login(ui()), (e) => isFault(e, 'denied'));
    mode = 'expired';
    await assert.rejects(p.login(ui()), (e) => isFault(e, 'expired'));
    await em.close();
  });

  it('Cline: authorize redirect, callback on the first free port with refreshToken, camelCase JSON, "workos:" keys, rotating refresh', async () => {
    let callback = '';
    const soon = new Date(Date.now() + 86_400_000).toISOString(); // within a year: farther expiries are clamped
    const em = await emulator((r) => {
      for (const h of ['x-platform', 'x-client-type', 'x-client-version']) assert.ok(r.headers[h], h);
      if (r.path.startsWith('/api/v1/auth/authorize')) {
        const q = new URL(r.path, 'http://x').searchParams;
        assert.equal(q.get('client_type'), 'extension');
        callback = q.get('callback_url')!;
        assert.equal(q.get('redirect_uri'), callback);
        assert.match(callback, /^http:\/\/127\.0\.0\.1:\d+\/auth$/);
        return {
          status: 302,
          json: {},
          headers: { location: `https://app.cline.bot/login?cb=${encodeURIComponent(callback)}` },
        };
      }
      const b = JSON.parse(r.body);
      assert.equal(r.headers['content-type'], 'application/json');
      if (r.path === '/api/v1/auth/token') {
        // Cline's token exchange carries the identity provider the callback named, as Cline's client sends it.
        if (!b.provider)
          return { status: 400, json: { error: 'invalid_request', error_description: 'provider is required' } };
        assert.deepEqual(b, {
          grant_type: 'authorization_code',
          code: 'cline-code-1',
          client_type: 'extension',
          redirect_uri: callback,
          provider: 'github',
        });
        return {
          json: {
            success: true,
            data: {
              accessToken: 'cline-access-1',
              refreshToken: 'cline-rt-1',
              tokenType: 'Bearer',
              expiresAt: soon,
              userInfo: { subject: 'sub-1', email: 'a@b.c', clineUserId: 'user-1', accounts: [] },
            },
          },
        };
      }
      assert.equal(r.path, '/api/v1/auth/refresh');
      if (b.refreshToken !== 'cline-rt-1') return { status: 401, json: { error: 'invalid_token' } };
      assert.deepEqual(b, { refreshToken: 'cline-rt-1', grantType: 'refresh_token' });
      return {
        json: { success: true, data: { accessToken: 'cline-access-2', refreshToken: 'cline-rt-2', expiresAt: soon } },
      };
    });
    const p = cline({ api: em.base, firstPort: 0, lastPort: 0 });
    const cred = await p.login(
      ui({
        // The browser: signs in at Cline, which sends it back to the callback with the code.
        async openBrowser(url) {
          assert.match(url, /^https:\/\/app\.cline\.bot\/login/);
          const back = new URL(new URL(url).searchParams.get('cb')!);
          back.searchParams.set('refreshToken', 'cline-code-1');
          back.searchParams.set('provider', 'github');
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
      }),
    );
    assert.deepEqual(cred, {
      type: 'oauth',
      access: 'cline-access-1',
      refresh: 'cline-rt-1',
      expires: Date.parse(soon),
      provider: 'cline',
      accountId: 'user-1',
      email: 'a@b.c',
    });
    assert.equal(p.apiKey(cred), 'workos:cline-access-1');
    assert.equal((await p.refresh(cred)).refresh, 'cline-rt-2');
    await assert.rejects(p.refresh({ ...cred, refresh: 'spent' }), (e) => isFault(e, 'needs-sign-in'));
    assert.deepEqual(clineCallbackFromPaste('http://127.0.0.1:48801/auth?idToken=abc&provider=google'), {
      code: 'abc',
      provider: 'google',
    });
    assert.deepEqual(clineCallbackFromPaste('  bare-code  '), { code: 'bare-code' });
    assert.throws(
      () => clineCallbackFromPaste('http://127.0.0.1:48801/auth?nothing=1'),
      (e) => isFault(e, 'oauth'),
    );
    await em.close();
  });
});
