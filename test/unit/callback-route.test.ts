import assert from 'node:assert/strict';
import { callbackRoute, loopbackRedirectOf } from '../../src/core/oauth/callback-route';
import { machineWords } from '../../src/core/mirror/machine';

// The registered redirects of pi-ai 1.6.1's browser logins (dist/auth/oauth/anthropic.js, openai-codex.js).
const CLAUDE = 'http://localhost:53692/callback';
const CHATGPT = 'http://localhost:1455/auth/callback';
const authorize = (redirect: string) =>
  `https://claude.ai/oauth/authorize?${new URLSearchParams({ client_id: 'x', redirect_uri: redirect, state: 's' }).toString()}`;

describe('remote windows: the forwarded callback only where it keeps the port, else paste', () => {
  it('a forward to the same local port is the callback (Remote-SSH, a dev container with the port free)', () => {
    assert.equal(callbackRoute(CLAUDE, 'http://localhost:53692/'), 'callback');
    assert.equal(callbackRoute(CHATGPT, 'http://127.0.0.1:1455/'), 'callback');
    assert.equal(callbackRoute(new URL(CHATGPT), 'http://[::1]:1455/auth/callback'), 'callback');
  });

  it('another local port (the one asked for was taken) is paste: the provider refuses that redirect', () => {
    assert.equal(callbackRoute(CLAUDE, 'http://localhost:53693/'), 'paste');
    assert.equal(callbackRoute(CHATGPT, 'http://localhost:80/'), 'paste');
  });

  it("a proxy address (code-server's /proxy/<port>/, a Codespace's forwarded host) is paste", () => {
    assert.equal(callbackRoute(CLAUDE, 'http://127.0.0.1:8080/proxy/53692/'), 'paste');
    assert.equal(callbackRoute(CLAUDE, 'https://example-53692.app.github.dev/'), 'paste');
    assert.equal(callbackRoute(CLAUDE, 'https://localhost:53692/'), 'paste', 'https is another redirect');
    assert.equal(callbackRoute(CLAUDE, 'http://devbox:53692/'), 'paste', 'not this machine’s localhost');
  });

  it('nothing returned, or an address that does not parse, is paste', () => {
    assert.equal(callbackRoute(CLAUDE, undefined), 'paste');
    assert.equal(callbackRoute(CLAUDE, 'not a uri'), 'paste');
  });

  it("the redirect is read from the authorize address's redirect_uri, loopback http only", () => {
    assert.equal(loopbackRedirectOf(authorize(CLAUDE))?.port, '53692');
    assert.equal(loopbackRedirectOf(authorize(CHATGPT))?.pathname, '/auth/callback');
    assert.equal(loopbackRedirectOf(authorize('https://platform.claude.com/oauth/code/callback')), undefined);
    assert.equal(loopbackRedirectOf('https://github.com/login/device'), undefined);
    assert.equal(loopbackRedirectOf('::'), undefined);
  });
});

describe('the view names the machine whose auth.json it writes', () => {
  it('a remote window: host and remote name, the path under ~', () => {
    const w = machineWords({
      host: 'devbox',
      remoteName: 'ssh-remote',
      authPath: '/home/me/.pi/agent/auth.json',
      home: '/home/me',
    });
    assert.equal(w.description, 'devbox (remote: ssh-remote)');
    assert.equal(w.line, 'Writes devbox:~/.pi/agent/auth.json (remote: ssh-remote)');
  });

  it('a local window: no description, the log line says this computer', () => {
    const w = machineWords({ host: 'laptop', authPath: '/srv/pi/auth.json', home: '/home/me' });
    assert.equal(w.description, undefined);
    assert.equal(w.line, "pi's auth.json: /srv/pi/auth.json on this computer (laptop)");
  });
});
