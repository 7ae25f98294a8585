import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import { postForm } from '../../src/core/http';
import { isFault } from '../../src/core/faults';
import type { HttpResponse } from '../../src/core/http';
import { pollDeviceToken, type DeviceCode } from '../../src/core/oauth/device';
import { requireExternalUrl } from '../../src/core/oauth/external-url';
import { startLoopback } from '../../src/core/oauth/loopback';
import { parsePastedCode } from '../../src/core/oauth/paste';
import { challengeOf, createPkce } from '../../src/core/oauth/pkce';
import { parseTokenResponse } from '../../src/core/oauth/tokens';

const res = (status: number, json: unknown): HttpResponse => ({
  status,
  headers: {},
  text: JSON.stringify(json),
  json,
});

// node:http, not fetch: fetch drops a Host header, and the DNS-rebinding check needs one.
function get(port: number, path: string, host = `localhost:${port}`): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('OAuth primitives', () => {
  it('PKCE: 43-char base64url verifier, S256 challenge, fresh every time', () => {
    const a = createPkce();
    const b = createPkce();
    assert.match(a.verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(a.challenge, createHash('sha256').update(a.verifier).digest('base64url'));
    assert.equal(challengeOf(a.verifier), a.challenge);
    assert.notEqual(a.verifier, b.verifier);
  });

  describe('pasted codes', () => {
    const ok: [string, string, string | undefined][] = [
      ['abc123', 'abc123', undefined],
      ['  abc123\n', 'abc123', undefined],
      ['abc123#st8', 'abc123', 'st8'],
      ['code=abc123&state=st8', 'abc123', 'st8'],
      ['http://localhost:53692/callback?code=abc123&state=st8', 'abc123', 'st8'],
      ['https://console.anthropic.com/oauth/code/callback#code=abc123&state=st8', 'abc123', 'st8'],
    ];
    for (const [input, code, state] of ok) {
      it(`reads ${JSON.stringify(input.trim())}`, () =>
        assert.deepEqual(parsePastedCode(input, 'st8'), { code, state }));
    }
    it("refuses another attempt's state, an error redirect, and empty or spaced input", () => {
      assert.throws(
        () => parsePastedCode('abc#other', 'st8'),
        (e) => isFault(e, 'oauth') && /state mismatch/.test(e.message),
      );
      assert.throws(
        () => parsePastedCode('http://localhost:1455/auth/callback?error=access_denied&state=st8', 'st8'),
        (e) => isFault(e, 'denied'),
      );
      assert.throws(
        () => parsePastedCode('   ', 'st8'),
        (e) => isFault(e, 'oauth'),
      );
      assert.throws(
        () => parsePastedCode('two words', 'st8'),
        (e) => isFault(e, 'oauth'),
      );
    });
  });

  describe('what a sign-in may open in the browser', () => {
    const allowed = [
      'https://claude.ai/oauth/authorize?x=1',
      'https://github.com/login/device',
      'http://127.0.0.1:8080/login/device',
      'http://localhost:53692/callback',
      'http://[::1]:1455/x',
    ];
    const refused = [
      'http://github.com/login/device',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,hi',
      'command:workbench.action.terminal.new',
      'vscode://x',
      'http://127.0.0.1.evil.com/',
      'http://localhost.evil.com/',
      'https://',
      'not a url',
    ];
    for (const url of allowed) it(`opens ${url}`, () => assert.equal(requireExternalUrl(url).href.length > 0, true));
    it(`refuses ${refused.length} others (plain http elsewhere, javascript:, file:, data:, command:, look-alike hosts)`, () => {
      for (const url of refused)
        assert.throws(
          () => requireExternalUrl(url),
          (e) => isFault(e, 'oauth'),
          url,
        );
    });
  });

  describe('loopback callback server', () => {
    it('answers only localhost, the right path and the right state; resolves once, then closes', async () => {
      const lb = await startLoopback({ port: 0, path: '/callback', state: 'st8' });
      assert.equal(await get(lb.port, '/callback?code=x&state=st8', 'evil.example:80'), 400); // DNS rebinding
      assert.equal(await get(lb.port, '/other?code=x&state=st8'), 404);
      assert.equal(await get(lb.port, '/callback?code=x&state=someone-else'), 400);
      assert.equal(await get(lb.port, '/callback?code=the-code&state=st8'), 200);
      assert.equal(await lb.code, 'the-code');
      await lb.close();
      await assert.rejects(get(lb.port, '/callback'), 'closed after the first valid callback');
    });

    it('turns error=access_denied into a denied fault', async () => {
      const lb = await startLoopback({ port: 0, path: '/cb', state: 's' });
      await get(lb.port, '/cb?error=access_denied&state=s');
      await assert.rejects(lb.code, (e) => isFault(e, 'denied'));
    });

    it('reports a taken port as port-in-use, so the caller can fall back to paste', async () => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as { port: number }).port;
      await assert.rejects(startLoopback({ port, path: '/cb', state: 's' }), (e) => isFault(e, 'port-in-use'));
      blocker.close();
    });

    it('stops on cancel and on timeout', async () => {
      const ac = new AbortController();
      const lb = await startLoopback({ port: 0, path: '/cb', state: 's', signal: ac.signal });
      ac.abort();
      await assert.rejects(lb.code, (e) => isFault(e, 'aborted'));
      const slow = await startLoopback({ port: 0, path: '/cb', state: 's', timeoutMs: 50 });
      await assert.rejects(slow.code, (e) => isFault(e, 'expired'));
    });
  });

  describe('device grant polling (RFC 8628)', () => {
    const code: DeviceCode = {
      deviceCode: 'dc',
      userCode: 'ABCD-1234',
      verificationUri: 'https://example/device',
      expiresIn: 900,
      interval: 5,
    };
    function script(answers: HttpResponse[]) {
      let t = 0;
      const waits: number[] = [];
      let polls = 0;
      return {
        waits,
        get polls() {
          return polls;
        },
        opts: { now: () => t, sleep: async (ms: number) => void (waits.push(ms), (t += ms)) },
        poll: async () => answers[Math.min(polls++, answers.length - 1)],
      };
    }

    it('waits the interval, keeps polling while pending, adds 5 s on slow_down', async () => {
      const s = script([
        res(400, { error: 'authorization_pending' }),
        res(400, { error: 'slow_down' }),
        res(200, { error: 'authorization_pending' }),
        res(200, { access_token: 'tok' }),
      ]);
      const done = await pollDeviceToken(code, s.poll, s.opts);
      assert.deepEqual(done.json, { access_token: 'tok' });
      assert.deepEqual(
        s.waits.map((ms) => Math.round(ms)),
        [5500, 5500, 11000, 11000],
      );
    });

    it('takes a larger interval the server asks for with slow_down', async () => {
      const s = script([res(400, { error: 'slow_down', interval: 20 }), res(200, { access_token: 'tok' })]);
      await pollDeviceToken(code, s.poll, s.opts);
      assert.equal(Math.round(s.waits[1]), 22000);
    });

    it('ends with typed faults: expired_token, access_denied, its own deadline (with a clock hint after slow_down), 5xx', async () => {
      await assert.rejects(
        pollDeviceToken(code, script([res(400, { error: 'expired_token' })]).poll, script([]).opts),
        (e) => isFault(e, 'expired'),
      );
      await assert.rejects(
        pollDeviceToken(code, script([res(400, { error: 'access_denied' })]).poll, script([]).opts),
        (e) => isFault(e, 'denied'),
      );
      const s = script([res(400, { error: 'slow_down' })]);
      await assert.rejects(
        pollDeviceToken(code, s.poll, s.opts),
        (e) => isFault(e, 'expired') && /clock/.test(e.message),
      );
      await assert.rejects(pollDeviceToken(code, script([res(503, {})]).poll, script([]).opts), (e) =>
        isFault(e, 'network'),
      );
    });

    it('stops when cancelled, without another poll', async () => {
      const ac = new AbortController();
      let polls = 0;
      const pending = pollDeviceToken(
        { ...code, interval: 1 },
        async () => (polls++, res(400, { error: 'authorization_pending' })),
        { signal: ac.signal },
      );
      ac.abort();
      await assert.rejects(pending, (e) => isFault(e, 'aborted'));
      assert.equal(polls, 0);
    });
  });

  describe('token responses', () => {
    it('maps each failure to a typed fault that never carries the body', () => {
      const secretBody = { error: 'invalid_grant', error_description: 'refresh token rt_SECRET is spent' };
      assert.throws(
        () => parseTokenResponse(res(400, secretBody), 'Refreshing'),
        (e) => isFault(e, 'needs-sign-in') && !e.message.includes('rt_SECRET'),
      );
      assert.throws(
        () => parseTokenResponse(res(400, { error: 'refresh_token_reused' }), 'Refreshing'),
        (e) => isFault(e, 'needs-sign-in'),
      );
      assert.throws(
        () => parseTokenResponse(res(500, {}), 'Refreshing'),
        (e) => isFault(e, 'network'),
      );
      assert.throws(
        () => parseTokenResponse({ status: 200, headers: {}, text: '<html>', json: undefined }, 'Refreshing'),
        (e) => isFault(e, 'oauth'),
      );
      assert.throws(
        () => parseTokenResponse(res(200, { token_type: 'bearer' }), 'Refreshing'),
        (e) => isFault(e, 'oauth'),
      );
      assert.equal(
        parseTokenResponse(res(200, { access_token: 'a', refresh_token: 'r', expires_in: 60 }), 'x').access_token,
        'a',
      );
    });

    it('a token endpoint that never answers is a network fault once the timeout passes', async () => {
      const silent = createServer(() => undefined); // accepts, never answers
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/token?code=SECRET_CODE`;
      const started = Date.now();
      await assert.rejects(
        postForm(url, { refresh_token: 'rt_SECRET' }, { timeoutMs: 300 }),
        (e) => isFault(e, 'network') && /no answer within/.test(e.message) && !/SECRET/.test(e.message),
      );
      assert.ok(Date.now() - started < 5000);
      silent.closeAllConnections();
      silent.close();
    });
  });
});
