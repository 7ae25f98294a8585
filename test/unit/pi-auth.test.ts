import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AuthEvent, AuthPrompt } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };
import { isFault } from '../../src/core/faults';
import type { SignInInteraction } from '../../src/core/oauth/provider';
import { piFault } from '../../src/core/pi-auth/errors';
import { issuedCredential } from '../../src/core/pi-auth/issued';
import { Redactor } from '../../src/core/redact';
import { copilotBaseUrl, domainProblem, normalizeDomain } from '../../src/core/providers/github-copilot';
import { emulator, s256, type Reply, type Seen } from './emulator';
import { routedOAuth } from './pi-routing';

/** A person at the editor, scripted: answers each prompt with `answer`, records every event. */
function person(answer: (p: AuthPrompt, events: AuthEvent[]) => Promise<string>, onEvent?: (e: AuthEvent) => void) {
  const cancel = new AbortController();
  const events: AuthEvent[] = [];
  const prompts: AuthPrompt[] = [];
  const interaction: SignInInteraction = {
    signal: cancel.signal,
    prompt: (p) => (prompts.push(p), answer(p, events)),
    notify: (e) => (events.push(e), onEvent?.(e)),
  };
  return { interaction, events, prompts, cancel };
}

/** Resolves when `signal` aborts (the login withdrew the prompt), then rejects like a closed box. */
const withdrawn = (signal: AbortSignal | undefined, seen: { withdrawn: boolean }) =>
  new Promise<string>((_r, reject) =>
    signal?.addEventListener('abort', () => ((seen.withdrawn = true), reject(new Error('withdrawn')))),
  );

/** The browser: follows the authorize address back to the redirect with `code` and the state. */
function browserReturns(authUrl: string, code: string) {
  const url = new URL(authUrl);
  const back = new URL(url.searchParams.get('redirect_uri')!);
  back.searchParams.set('code', code);
  back.searchParams.set('state', url.searchParams.get('state')!);
  request({ host: '127.0.0.1', port: Number(back.port), path: back.pathname + back.search }, (r) => r.resume()).end();
}

const authUrlOf = (events: AuthEvent[]) => (events.find((e) => e.type === 'auth_url') as { url: string }).url;

describe("sign-ins are pi-ai's own (pi-ai 1.x provider code, unmodified, against loopback emulators)", function () {
  this.timeout(20_000);

  describe('Anthropic (Claude Pro/Max): select, browser + paste box, refresh', () => {
    let challenge = '';
    let refreshAnswer: Reply | undefined;
    const strict = (r: Seen): Reply => {
      // As strict as the real endpoint: JSON, pi's client id, a User-Agent that is not Claude Code's.
      assert.equal(r.path, '/v1/oauth/token');
      assert.equal(r.headers['content-type'], 'application/json');
      const b = JSON.parse(r.body);
      assert.equal(b.client_id, '9d1c250a-e61b-44d9-88ed-5944d1962f5e');
      if (b.grant_type === 'authorization_code') {
        if (s256(b.code_verifier) !== challenge) return { status: 400, json: { error: 'invalid_grant' } };
        assert.equal(b.code, 'auth-code-1');
        return { json: { access_token: 'sk-ant-oat01-access-1', refresh_token: 'rt-1', expires_in: 3600 } };
      }
      assert.equal(b.grant_type, 'refresh_token');
      return (
        refreshAnswer ?? { json: { access_token: 'sk-ant-oat01-access-2', refresh_token: 'rt-2', expires_in: 3600 } }
      );
    };

    it('browser login: the select prompt, the sign-in address, the paste box withdrawn when the callback wins', async () => {
      const em = await emulator(strict);
      const oauth = routedOAuth('anthropic', { tokenUrl: `${em.base}/v1/oauth/token` });
      const seen = { withdrawn: false };
      const { interaction, events, prompts } = person(async (p, evs) => {
        if (p.type === 'select') return p.options[0].id; // "Browser login (default)"
        assert.equal(p.type, 'manual_code');
        const url = authUrlOf(evs);
        challenge = new URL(url).searchParams.get('code_challenge')!;
        browserReturns(url, 'auth-code-1');
        return withdrawn(p.signal, seen);
      });
      const started = Date.now();
      const cred = await oauth.login(interaction);
      assert.deepEqual(
        prompts.map((p) => p.type),
        ['select', 'manual_code'],
      );
      assert.equal(new URL(authUrlOf(events)).origin, 'https://claude.ai', 'the real sign-in page');
      assert.equal(seen.withdrawn, true, 'the paste box closes once the browser came back');
      assert.equal(cred.access, 'sk-ant-oat01-access-1');
      assert.equal(cred.refresh, 'rt-1');
      assert.ok(Math.abs(cred.expires - (started + 3600_000 - 300_000)) < 5_000, 'pi: expiry 5 min early');
      const next = await oauth.refresh(cred);
      assert.equal(next.refresh, 'rt-2');
      assert.equal(oauth.apiKey(next), 'sk-ant-oat01-access-2');
      await em.close();
    });

    it('paste login: the redirect address pasted into the box; a wrong state is refused', async () => {
      const em = await emulator(strict);
      const oauth = routedOAuth('anthropic', { tokenUrl: `${em.base}/v1/oauth/token` });
      const pasting = (wrongState: boolean) =>
        person(async (p, evs) => {
          if (p.type === 'select') return p.options[0].id;
          const url = new URL(authUrlOf(evs));
          challenge = url.searchParams.get('code_challenge')!;
          const state = wrongState ? 'not-this-attempt' : url.searchParams.get('state');
          return `${url.searchParams.get('redirect_uri')}?code=auth-code-1&state=${state}`;
        }).interaction;
      assert.equal((await oauth.login(pasting(false))).access, 'sk-ant-oat01-access-1');
      await assert.rejects(oauth.login(pasting(true)), (e) => isFault(e, 'oauth') && /state mismatch/.test(e.message));
      await em.close();
    });

    it('cancelled half-way (Escape on the paste box aborts the signal): rejects as cancelled, no token request', async () => {
      const em = await emulator(strict);
      const oauth = routedOAuth('anthropic', { tokenUrl: `${em.base}/v1/oauth/token` });
      const { interaction, cancel } = person(async (p) => {
        if (p.type === 'select') return p.options[0].id;
        cancel.abort();
        throw new Error('Escape');
      });
      await assert.rejects(oauth.login(interaction), (e) => isFault(e, 'aborted'));
      assert.equal(em.seen.length, 0, 'nothing was exchanged');
      await em.close();
    });

    it("our schema guards what pi-ai returns: odd expiry bounded, a refresh token never dropped; errors without the server's body", async () => {
      const em = await emulator(strict);
      const oauth = routedOAuth('anthropic', { tokenUrl: `${em.base}/v1/oauth/token` });
      const old = { type: 'oauth' as const, refresh: 'rt-old', access: 'sk-ant-oat01-old', expires: 0 };
      refreshAnswer = { json: { access_token: 'sk-ant-oat01-new', expires_in: 'soon' } };
      const t = Date.now();
      const kept = await oauth.refresh(old);
      assert.equal(kept.refresh, 'rt-old', 'no refresh token in the answer keeps the old one');
      assert.ok(Number.isFinite(kept.expires) && kept.expires >= t && kept.expires <= t + 2 * 3600_000);
      refreshAnswer = { json: { access_token: 'sk-ant-oat01-new', refresh_token: 'rt-3', expires_in: 1e15 } };
      const far = await oauth.refresh(old);
      assert.equal(far.refresh, 'rt-3');
      assert.ok(far.expires <= Date.now() + 366 * 86_400_000, 'at most a year');
      refreshAnswer = { status: 400, json: { error: 'invalid_grant', error_description: 'rt sk-ant-oat01-LEAKED' } };
      await assert.rejects(oauth.refresh(old), (e) => isFault(e, 'needs-sign-in') && !e.message.includes('LEAKED'));
      refreshAnswer = { raw: '<html>sk-ant-oat01-LEAKEDLEAKED body</html>' };
      await assert.rejects(
        oauth.refresh(old),
        (e) => isFault(e, 'oauth') && !e.message.includes('LEAKED') && !new Redactor().describe(e).includes('LEAKED'),
      );
      refreshAnswer = undefined;
      await em.close();
    });
  });

  describe('GitHub Copilot: text prompt (Enterprise), device code, Copilot token', () => {
    it('device login with the code shown, a cancelled one stores nothing, and the refresh keeps the GitHub token', async () => {
      let polls = 0;
      let approve = false;
      const expiresAt = Math.floor(Date.now() / 1000) + 1800;
      const em = await emulator((r) => {
        if (r.path === '/login/device/code') {
          assert.equal(new URLSearchParams(r.body).get('client_id'), 'Iv1.b507a08c87ecfe98');
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
          polls++;
          return approve
            ? { json: { access_token: 'gho_github_token_0123456789', token_type: 'bearer' } }
            : { json: { error: 'authorization_pending' } };
        }
        if (r.path === '/copilot_internal/v2/token') {
          assert.equal(r.headers.authorization, 'Bearer gho_github_token_0123456789');
          return { json: { token: 'tid=1;exp=2;proxy-ep=proxy.individual.githubcopilot.com;', expires_at: expiresAt } };
        }
        if (r.path === '/models') return { json: { data: [{ id: 'gpt-4.1', model_picker_enabled: true }] } };
        return { status: 404, json: {} };
      });
      const oauth = routedOAuth('github-copilot', { web: em.base, api: em.base, models: em.base });
      // Cancelled while waiting for the code to be entered: the poll stops, nothing is returned.
      const first = person(async (p) => (assert.equal(p.type, 'text'), '')); // blank: github.com
      const cancelled = oauth.login(first.interaction);
      while (polls < 1) await new Promise((r) => setImmediate(r));
      first.cancel.abort();
      await assert.rejects(cancelled, (e) => isFault(e, 'aborted'));
      const device = first.events.find((e) => e.type === 'device_code') as Extract<AuthEvent, { type: 'device_code' }>;
      assert.equal(device.userCode, 'WDJB-MJHT');
      assert.equal(device.verificationUri, `${em.base}/login/device`, 'the address shown follows the routing');
      approve = true;
      const cred = await oauth.login(person(async () => '').interaction);
      assert.equal(cred.refresh, 'gho_github_token_0123456789');
      assert.equal(cred.access, 'tid=1;exp=2;proxy-ep=proxy.individual.githubcopilot.com;');
      assert.equal(cred.expires, expiresAt * 1000 - 300_000);
      const refreshed = await oauth.refresh(cred);
      assert.equal(refreshed.refresh, cred.refresh, 'the GitHub token is reused, never rotated');
      await em.close();
    });

    it('keeps an Enterprise host as a bare hostname', () => {
      assert.equal(normalizeDomain(''), undefined);
      assert.equal(normalizeDomain(' https://company.ghe.com/login '), 'company.ghe.com');
      assert.throws(
        () => normalizeDomain('not a host!'),
        (e) => isFault(e, 'oauth'),
      );
      assert.match(domainProblem('company.ghe.com:8443') ?? '', /port/, 'a port is refused, not dropped');
      assert.equal(copilotBaseUrl('tid=1;exp=2', 'company.ghe.com'), 'https://copilot-api.company.ghe.com');
    });
  });

  describe('what pi-ai hands back passes our rules', () => {
    it('a credential without an access token is refused; expiry and refresh token are repaired', () => {
      assert.throws(
        () => issuedCredential({ type: 'oauth', refresh: 'r', expires: 1 }, undefined, 'Signing in'),
        (e) => isFault(e, 'oauth'),
      );
      const now = 1_000_000_000;
      const c = issuedCredential(
        { access: 'a', refresh: undefined, expires: Number.NaN, accountId: 'x' },
        { type: 'oauth', access: 'o', refresh: 'keep', expires: 0 },
        'Refreshing',
        now,
      );
      assert.deepEqual(c, {
        type: 'oauth',
        access: 'a',
        refresh: 'keep',
        expires: now + 3600_000 - 300_000,
        accountId: 'x',
      });
    });

    it("pi-ai's error messages lose the response body before they are shown", () => {
      const e = piFault(
        new Error(
          'Token exchange returned invalid JSON. url=https://x/t; body={"access_token":"sk-ant-oat01-SECRETSECRET"}; details=SyntaxError',
        ),
        'Signing in to Anthropic',
      );
      assert.ok(isFault(e, 'oauth'));
      assert.ok(!e.message.includes('SECRET'), e.message);
      assert.match(e.message, /body=\(not shown\)/);
    });
  });
});

describe("pi-ai's transport failures in words", () => {
  it('a refused connection names the address and says why, with the proxy hint', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r)); // nothing listens there now
    const oauth = routedOAuth('anthropic', { tokenUrl: `http://127.0.0.1:${port}/v1/oauth/token` });
    await assert.rejects(
      oauth.refresh({ type: 'oauth', refresh: 'r', access: 'a', expires: 0 }),
      (e) =>
        isFault(e, 'network') &&
        e.message.startsWith(`Could not reach 127.0.0.1:${port}: it refused the connection`) &&
        e.details.proxy === 'maybe',
    );
  });
});
