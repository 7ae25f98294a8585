import assert from 'node:assert/strict';
import { isFault } from '../../src/core/faults';
import { postForm } from '../../src/core/http';
import { parseDeviceCode, pollDeviceToken } from '../../src/core/oauth/device';
import { startLoopback } from '../../src/core/oauth/loopback';
import { createPkce, randomState } from '../../src/core/oauth/pkce';
import type { OAuthProvider } from '../../src/core/oauth/provider';
import { expiresAt, parseTokenResponse } from '../../src/core/oauth/tokens';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { KeyResolver } from '../../src/core/resolver';
import { Vault } from '../../src/core/vault';
import { join } from 'node:path';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';

interface OidcServer {
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  deviceUrl: string;
  close(): Promise<void>;
}
interface OidcFixture {
  CLIENT_ID: string;
  startOidcServer(o: { redirectUri: string }): Promise<OidcServer>;
  approve(url: string, o: { issuer: string; userCode?: string }): Promise<{ status: number }>;
}
// A fixture file (plain ESM), loaded at run time: oidc-provider is ESM-only.
// A path held in a `string` so TypeScript does not look for the .mjs file's types at compile time.
const fixturePath: string = '../../../test/unit/fixtures/oidc-server.mjs';
const fixture = () => import(fixturePath) as Promise<OidcFixture>;

describe('OAuth against a real OAuth server (oidc-provider on 127.0.0.1)', function () {
  this.timeout(60_000);
  let f: OidcFixture;
  let server: OidcServer;
  let lb: Awaited<ReturnType<typeof startLoopback>>;
  const state = randomState();

  before(async () => {
    f = await fixture();
    lb = await startLoopback({ port: 0, path: '/callback', state, timeoutMs: 30_000 });
    server = await f.startOidcServer({ redirectUri: `http://localhost:${lb.port}/callback` });
  });
  after(async () => {
    await lb.close();
    await server.close();
  });

  it('authorization code + PKCE through the loopback, then refresh tokens that rotate, with reuse detected', async () => {
    const pkce = createPkce();
    const redirectUri = `http://localhost:${lb.port}/callback`;
    const url = new URL(server.authorizeUrl);
    for (const [k, v] of Object.entries({
      client_id: f.CLIENT_ID,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid offline_access',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state,
      prompt: 'consent',
    })) {
      url.searchParams.set(k, v);
    }
    const browser = await f.approve(url.toString(), { issuer: server.issuer });
    assert.equal(browser.status, 200, 'the loopback answered the browser');
    const code = await lb.code;

    const exchange = (verifier: string) =>
      postForm(server.tokenUrl, {
        grant_type: 'authorization_code',
        client_id: f.CLIENT_ID,
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
      });
    const wrong = await exchange(createPkce().verifier);
    assert.throws(
      () => parseTokenResponse(wrong, 'Signing in'),
      (e) => isFault(e),
      'a verifier that does not match the challenge is refused',
    );
    const tokens = parseTokenResponse(await exchange(pkce.verifier), 'Signing in');
    assert.ok(tokens.access_token && tokens.refresh_token);

    const refresh = (rt: string) =>
      postForm(server.tokenUrl, { grant_type: 'refresh_token', client_id: f.CLIENT_ID, refresh_token: rt });
    const next = parseTokenResponse(await refresh(tokens.refresh_token), 'Refreshing');
    assert.ok(next.refresh_token && next.refresh_token !== tokens.refresh_token, 'the refresh token rotated');
    // Spending the old refresh token again is what loses accounts: the server treats it as theft.
    const reused = await refresh(tokens.refresh_token);
    assert.throws(
      () => parseTokenResponse(reused, 'Refreshing'),
      (e) => isFault(e, 'needs-sign-in'),
    );
  });

  it('the key resolver in two windows never spends a rotating refresh token twice (the server would revoke the grant)', async () => {
    await lb.close(); // the first test's loopback; the registered redirect needs its port again
    const signedIn = await signInWithCode();
    // The same OAuth client as the real providers use: form refresh, rotation, reuse detection.
    const provider: OAuthProvider = {
      id: 'anthropic',
      login: () => Promise.reject(new Error('not used')),
      refresh: async (c) => {
        const r = parseTokenResponse(
          await postForm(server.tokenUrl, {
            grant_type: 'refresh_token',
            client_id: f.CLIENT_ID,
            refresh_token: c.refresh,
          }),
          'Refreshing',
        );
        return {
          type: 'oauth',
          refresh: r.refresh_token ?? c.refresh,
          access: r.access_token,
          expires: expiresAt(r.expires_in, Date.now(), 0),
        };
      },
      apiKey: (c) => c.access,
      sameAccount: () => true,
    };
    const t = tempDir();
    try {
      const store = new MemorySecretStore();
      const quiet = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
      const win = async (s: MemorySecretStore) => {
        const vault = new Vault(s);
        await vault.load();
        vault.watch(); // like a window: hears the other window's writes
        const mirror = new AuthMirror(
          vault,
          new MirrorStateStore(s),
          () => join(t.dir, 'auth.json'),
          () => provider,
          defaultsOf(vault),
        );
        return {
          vault,
          resolver: new KeyResolver({
            vault,
            oauth: () => provider,
            log: quiet,
            inUse: defaultsOf(vault),
            locked: lockedRun({ inUse: defaultsOf(vault), mirror: () => mirror, privateLock: join(t.dir, 'p.lock') }),
          }),
        };
      };
      const a = await win(store);
      const b = await win(store.sibling());
      await a.vault.add('anthropic', 'oidc', {
        type: 'oauth',
        refresh: signedIn.refresh_token!,
        access: signedIn.access_token,
        expires: 0,
      });
      const spent: string[] = [];
      for (let round = 0; round < 3; round++) {
        const cur = (await a.vault.freshCredential('anthropic', 'oidc'))!;
        if (cur.type !== 'oauth') throw new Error('oauth expected');
        spent.push(cur.refresh);
        if (round > 0) await a.vault.updateCredential('anthropic', 'oidc', { ...cur, expires: 0 });
        const keys = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).resolver.key('anthropic')));
        assert.equal(new Set(keys).size, 1, `round ${round}: one refresh, one new token for everyone`);
      }
      assert.equal(a.vault.accounts('anthropic')[0].needsSignIn, false, 'the grant was never revoked');
      // The server does detect reuse: spending the first (spent) token now is refused.
      const reused = await postForm(server.tokenUrl, {
        grant_type: 'refresh_token',
        client_id: f.CLIENT_ID,
        refresh_token: spent[0],
      });
      assert.throws(
        () => parseTokenResponse(reused, 'Refreshing'),
        (e) => isFault(e, 'needs-sign-in'),
      );
    } finally {
      t.cleanup();
    }
  });

  /** A whole code + PKCE sign-in through a loopback on the registered port. */
  async function signInWithCode() {
    const pkce = createPkce();
    const st = randomState();
    const loop = await startLoopback({ port: lb.port, path: '/callback', state: st, timeoutMs: 30_000 });
    const redirectUri = `http://localhost:${lb.port}/callback`;
    const url = new URL(server.authorizeUrl);
    for (const [k, v] of Object.entries({
      client_id: f.CLIENT_ID,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid offline_access',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: st,
      prompt: 'consent',
    })) {
      url.searchParams.set(k, v);
    }
    await f.approve(url.toString(), { issuer: server.issuer });
    const code = await loop.code;
    return parseTokenResponse(
      await postForm(server.tokenUrl, {
        grant_type: 'authorization_code',
        client_id: f.CLIENT_ID,
        code,
        code_verifier: pkce.verifier,
        redirect_uri: redirectUri,
      }),
      'Signing in',
    );
  }

  it('device grant: polls while pending, gets tokens once the person approves', async () => {
    const code = parseDeviceCode(
      await postForm(server.deviceUrl, { client_id: f.CLIENT_ID, scope: 'openid offline_access' }),
    );
    assert.match(code.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    let polls = 0;
    const poll = () => (
      polls++,
      postForm(server.tokenUrl, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: f.CLIENT_ID,
        device_code: code.deviceCode,
      })
    );
    const approved = new Promise((r) => setTimeout(r, 6500)).then(() =>
      f.approve(code.verificationUriComplete!, { issuer: server.issuer, userCode: code.userCode }),
    );
    const started = Date.now();
    const res = await pollDeviceToken(code, poll);
    await approved;
    const tokens = parseTokenResponse(res, 'Signing in');
    assert.ok(tokens.access_token && tokens.refresh_token);
    assert.ok(polls >= 2, `polled ${polls} times`);
    assert.ok(Date.now() - started >= 10_000, 'never polled faster than the 5 s interval');
  });

  it('device grant: a code nobody approves is refused as expired, cancel stops at once', async () => {
    const code = parseDeviceCode(await postForm(server.deviceUrl, { client_id: f.CLIENT_ID, scope: 'openid' }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(
      pollDeviceToken(
        code,
        () =>
          postForm(server.tokenUrl, {
            grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
            client_id: f.CLIENT_ID,
            device_code: code.deviceCode,
          }),
        { signal: ac.signal },
      ),
      (e) => isFault(e, 'aborted'),
    );
    await assert.rejects(
      pollDeviceToken(
        { ...code, expiresIn: 0 },
        () =>
          postForm(server.tokenUrl, {
            grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
            client_id: f.CLIENT_ID,
            device_code: code.deviceCode,
          }),
        { sleep: async () => undefined },
      ),
      (e) => isFault(e, 'expired'),
    );
  });
});
