// The companion's pins (companion/sticky.ts) as pure state, the reload message they read
// (src/core/pi-link/protocol.ts), and the socket a parent pi offers them to its children on
// (companion/inherit.ts, real sockets in a real directory): which answers and reloads keep a
// session on its key, and every refusal of the rewrite and of the socket.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { inheritPins, MAX_ASK, offerToChildren, PARENT_ENV } from '../../companion/inherit';
import { Pins } from '../../companion/sticky';
import { removeStaleSockets } from '../../src/core/pi-link/channel-dir';
import { boundUsable, fingerprint, MAX_USABLE, toPiSchema } from '../../src/core/pi-link/protocol';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { Vault } from '../../src/core/vault';
import { Link } from '../../companion/link';
import { PROTOCOL } from '../../src/core/pi-link/protocol';
import { KEY_A, KEY_B, MemorySecretStore, tempDir, until } from './helpers';

const HOST = 'https://api.anthropic.com';
const soft = (usable: Record<string, string[]>) => ({ soft: true, usable });

describe('sticky sessions: the pins (companion/sticky.ts)', () => {
  it('a success pins the key; 401/402/403/429 end the pin; a request’s own fault (400) and 5xx keep it', () => {
    const p = new Pins();
    p.answered('anthropic', KEY_A, HOST, 200);
    assert.equal(p.size, 1);
    for (const status of [400, 500, 529]) {
      p.answered('anthropic', KEY_A, HOST, status);
      assert.equal(p.size, 1, `after ${status}`);
    }
    for (const status of [401, 402, 403, 429]) {
      p.answered('anthropic', KEY_A, HOST, 200);
      p.answered('anthropic', KEY_A, HOST, status);
      assert.equal(p.size, 0, `after ${status}`);
    }
    p.answered('anthropic', KEY_A, undefined, 200); // where it went is unknown: no pin
    assert.equal(p.size, 0);
  });

  it('a soft reload keeps the pins whose keys it lists under the same provider; any other reload ends them all', () => {
    const p = new Pins();
    p.answered('anthropic', KEY_A, HOST, 200);
    p.answered('openai', KEY_B, 'https://api.openai.com', 200);
    p.reloaded(soft({ anthropic: [fingerprint(KEY_A)], openai: [fingerprint(KEY_B)] }));
    assert.equal(p.size, 2);
    p.reloaded(soft({ anthropic: [fingerprint(KEY_A)] })); // B rests
    assert.deepEqual([p.keyFor('anthropic'), p.keyFor('openai')], [KEY_A, undefined]);
    p.reloaded(soft({ openai: [fingerprint(KEY_A)] })); // A listed, but for another provider
    assert.equal(p.size, 0);
    p.answered('anthropic', KEY_A, HOST, 200);
    p.reloaded({ soft: true }); // soft, but no list: nothing is known usable
    assert.equal(p.size, 0);
    p.answered('anthropic', KEY_A, HOST, 200);
    p.reloaded(undefined); // by hand, or the answer to this pi's own failure
    assert.equal(p.size, 0);
  });

  it('the rewrite: only a vouched key of the same provider, to the origin (scheme, host, port) it went to, while a window listens', () => {
    const p = new Pins();
    p.answered('anthropic', KEY_A, HOST, 200);
    // Never vouched for (no soft reload yet): pi's request goes as pi made it.
    assert.equal(p.replacement('anthropic', HOST, KEY_B, KEY_B, true), undefined);
    p.reloaded(soft({ anthropic: [fingerprint(KEY_A), fingerprint(KEY_B)] }));
    assert.equal(p.replacement('anthropic', HOST, KEY_B, KEY_B, true), KEY_A);
    assert.equal(p.replacement('anthropic', HOST, KEY_B, KEY_B, false), undefined, 'no window listens');
    assert.equal(p.replacement('anthropic', 'https://evil.example', KEY_B, KEY_B, true), undefined, 'another host');
    assert.equal(p.replacement('anthropic', `${HOST}:8443`, KEY_B, KEY_B, true), undefined, 'another port');
    assert.equal(
      p.replacement('anthropic', 'http://api.anthropic.com', KEY_B, KEY_B, true),
      undefined,
      'http, not https',
    );
    assert.equal(
      p.replacement('anthropic', 'http://api.anthropic.com:443', KEY_B, KEY_B, true),
      undefined,
      'http on 443',
    );
    assert.equal(p.replacement('openai', HOST, KEY_B, KEY_B, true), undefined, 'another provider');
    assert.equal(p.replacement('anthropic', HOST, KEY_A, KEY_A, true), undefined, 'pi sends it already');
    // Not the key pi resolved for this request: another provider's or another extension's fetch.
    const OTHER = 'sk-other-extension-0000000000';
    assert.equal(p.replacement('anthropic', HOST, OTHER, KEY_B, true), undefined, 'another fetch');
    assert.equal(p.replacement('anthropic', HOST, KEY_B, undefined, true), undefined, 'nothing resolved');
    p.reloaded(undefined); // a switch by hand moves the session
    assert.equal(p.replacement('anthropic', HOST, KEY_B, KEY_B, true), undefined);
  });

  it('a switch by hand cannot be undone: a success or a parent’s pins from before it pin nothing', () => {
    const p = new Pins();
    const before = p.generation; // a request starts on A
    p.reloaded(undefined); // the person switches by hand
    p.answered('anthropic', KEY_A, HOST, 200, before); // A's answer lands afterwards
    assert.equal(p.size, 0);
    p.reloaded(soft({ anthropic: [fingerprint(KEY_A)] })); // a later soft reload has nothing to revive
    assert.equal(p.keyFor('anthropic'), undefined);
    p.answered('anthropic', KEY_A, HOST, 200, p.generation); // a request started after the switch
    assert.equal(p.keyFor('anthropic'), KEY_A);
    p.answered('anthropic', KEY_A, HOST, 429, before); // an old refusal still ends the pin
    assert.equal(p.size, 0);
    // A parent's pins asked for before a switch by hand, answered after it: dropped.
    const parent = new Pins();
    parent.answered('anthropic', KEY_A, HOST, 200);
    parent.reloaded(soft({ anthropic: [fingerprint(KEY_A)] }));
    const child = new Pins();
    const asked = child.generation;
    child.reloaded(undefined);
    child.inherit(parent.forChildren(), asked);
    assert.equal(child.size, 0);
    child.inherit(parent.forChildren(), child.generation);
    assert.equal(child.keyFor('anthropic'), KEY_A);
  });

  it('a child gets only vouched pins, and keeps only those its parent’s list vouches for', () => {
    const parent = new Pins();
    parent.answered('anthropic', KEY_A, HOST, 200);
    parent.answered('openai', KEY_B, 'https://api.openai.com', 200);
    parent.reloaded(soft({ anthropic: [fingerprint(KEY_A)], openai: [fingerprint(KEY_B)] }));
    parent.answered('google', KEY_A, 'https://g.example', 200); // pinned after the reload, never vouched
    const handed = parent.forChildren();
    assert.deepEqual(Object.keys(handed.pins).sort(), ['anthropic', 'openai']);
    const child = new Pins();
    child.inherit({
      pins: { ...handed.pins, google: { key: KEY_A, origin: 'https://g.example' } },
      usable: handed.usable,
    });
    assert.equal(child.replacement('anthropic', HOST, KEY_B, KEY_B, true), KEY_A);
    assert.equal(child.replacement('google', 'https://g.example', KEY_B, KEY_B, true), undefined);
  });

  it('the reload message: an older window’s bare reload still parses, the list is bounded, no key fits in it', () => {
    assert.ok(toPiSchema.safeParse({ v: 1, type: 'reload' }).success);
    assert.ok(toPiSchema.safeParse({ v: 1, ...soft({ anthropic: [fingerprint(KEY_A)] }), type: 'reload' }).success);
    assert.ok(!toPiSchema.safeParse({ v: 1, type: 'reload', ...soft({ anthropic: [KEY_A] }) }).success);
    const many = Array.from({ length: MAX_USABLE + 1 }, () => fingerprint(KEY_A));
    assert.ok(!toPiSchema.safeParse({ v: 1, type: 'reload', ...soft({ anthropic: many }) }).success);
    const cut = boundUsable({ anthropic: many, openai: [fingerprint(KEY_B)] });
    assert.ok(toPiSchema.safeParse({ v: 1, type: 'reload', ...soft(cut) }).success);
  });
});

describe('sticky sessions: what the window vouches for (PiFeedback.usable)', () => {
  const feedbackOver = (vault: Vault) =>
    new PiFeedback({
      vault,
      rotation: { inUse: (p) => vault.inUse(p), evaluate: () => undefined },
      mode: () => 'round-robin',
      feedback: {
        failed: () => undefined,
        succeeded: () => undefined,
        refused: async () => undefined,
        usageSeen: () => undefined,
      },
      refresh: async () => undefined,
      tellRateLimited: () => undefined,
      log: { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });

  it('only accounts whose request settings are those of the account in use: another base URL or header is never listed', async () => {
    const vault = new Vault(new MemorySecretStore());
    await vault.load();
    await vault.add('anthropic', 'A', { type: 'api_key', key: KEY_A });
    await vault.add('anthropic', 'B', { type: 'api_key', key: KEY_B });
    const usable = feedbackOver(vault);
    assert.deepEqual(usable.usable(), { anthropic: [fingerprint(KEY_A), fingerprint(KEY_B)] }, 'both send alike');
    // One gateway host, a path per account: B's key must never go to A's path.
    await vault.setRequest('anthropic', 'A', { baseUrl: 'https://gw.example/v1/acct-a/anthropic' });
    await vault.setRequest('anthropic', 'B', { baseUrl: 'https://gw.example/v1/acct-b/anthropic' });
    assert.deepEqual(usable.usable(), { anthropic: [fingerprint(KEY_A)] });
    await vault.setRequest('anthropic', 'B', {
      baseUrl: 'https://gw.example/v1/acct-a/anthropic',
      headers: { 'x-team': 'b' },
    });
    assert.deepEqual(usable.usable(), { anthropic: [fingerprint(KEY_A)] }, 'same URL, other headers');
    await vault.setRequest('anthropic', 'B', { baseUrl: 'https://gw.example/v1/acct-a/anthropic' });
    assert.deepEqual(usable.usable(), { anthropic: [fingerprint(KEY_A), fingerprint(KEY_B)] }, 'the same again');
  });

  it('openai-codex: never a pin (pi-ai derives chatgpt-account-id from the token)', async () => {
    const vault = new Vault(new MemorySecretStore());
    await vault.load();
    const token = (n: string) => ({
      type: 'oauth' as const,
      access: `tok-${n}`,
      refresh: `rt-${n}`,
      expires: Date.now() + 3_600_000,
    });
    await vault.add('openai-codex', 'A', token('A'));
    await vault.add('openai-codex', 'B', token('B'));
    assert.deepEqual(feedbackOver(vault).usable(), {});
  });
});

describe('sticky sessions: a parent pi’s pins socket (companion/inherit.ts)', () => {
  let t: ReturnType<typeof tempDir>;
  let dir: string;
  beforeEach(() => {
    t = tempDir();
    dir = join(t.dir, 'channel');
    mkdirSync(dir, { mode: 0o700 });
  });
  afterEach(() => t.cleanup());

  const pinned = () => {
    const p = new Pins();
    p.answered('anthropic', KEY_A, HOST, 200);
    p.reloaded(soft({ anthropic: [fingerprint(KEY_A), fingerprint(KEY_B)] }));
    return p;
  };
  /** What the socket answers to `line` (raw), and whether it hung up without a word. */
  const raw = (path: string, line: string) =>
    new Promise<string>((resolve) => {
      let text = '';
      const s = connect(path, () => s.write(line));
      s.on('data', (d) => (text += d.toString('utf8')));
      s.on('close', () => resolve(text));
      s.on('error', () => undefined);
    });

  it('the secret from the environment gets the pins; the socket is 0600 in the 0700 directory, and gone when the parent ends', async () => {
    const env: NodeJS.ProcessEnv = {};
    const stop = await offerToChildren(dir, pinned(), env);
    const value = env[PARENT_ENV] ?? '';
    const [name, secret] = value.split(':');
    assert.match(name, /^pi-\d+-[0-9a-f]{16}\.pins$/);
    assert.equal(secret.length, 64);
    assert.equal(lstatSync(join(dir, name)).mode & 0o777, 0o600);
    const got = await inheritPins(value, dir);
    assert.deepEqual(got.pins, { anthropic: { key: KEY_A, origin: HOST } });
    stop();
    assert.ok(!existsSync(join(dir, name)));
    assert.equal(env[PARENT_ENV], undefined);
    assert.deepEqual((await inheritPins(value, dir)).pins, {});
  });

  it('refusals: a wrong secret, a bare pid, a path outside the directory, an oversized question: no pins, no answer', async () => {
    const env: NodeJS.ProcessEnv = {};
    const stop = await offerToChildren(dir, pinned(), env);
    try {
      const [name, secret] = (env[PARENT_ENV] ?? '').split(':');
      const wrong = secret.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      assert.deepEqual((await inheritPins(`${name}:${wrong}`, dir)).pins, {});
      assert.deepEqual((await inheritPins(name, dir)).pins, {}, 'no secret');
      assert.deepEqual((await inheritPins(String(process.pid), dir)).pins, {}, 'a pid');
      assert.deepEqual((await inheritPins(`../${name}:${secret}`, dir)).pins, {}, 'a path');
      assert.deepEqual((await inheritPins(`${name}:${secret}`, t.dir)).pins, {}, 'another directory');
      const path = join(dir, name);
      assert.equal(await raw(path, `${JSON.stringify({ v: 1, type: 'pins?', secret: wrong })}\n`), '');
      assert.equal(await raw(path, 'x'.repeat(MAX_ASK + 1)), '', 'oversized, no newline');
      assert.equal(await raw(path, `{"v":1,"type":"pins?","secret":"${secret}","pad":"${'x'.repeat(MAX_ASK)}"}\n`), '');
      // and the right question, raw, still works after all that
      assert.match(await raw(path, `${JSON.stringify({ v: 1, type: 'pins?', secret })}\n`), /"anthropic"/);
    } finally {
      stop();
    }
  });

  it('a pins socket left by a pi that is gone is removed when a window starts; a live one stays', async () => {
    const env: NodeJS.ProcessEnv = {};
    const stop = await offerToChildren(dir, pinned(), env);
    const live = (env[PARENT_ENV] ?? '').split(':')[0];
    // A crashed pi's socket: a dead pid in the name (the largest pid Linux hands out is below 2^22).
    const dead = join(dir, 'pi-4194999-0123456789abcdef.pins');
    const server = createServer().listen(dead);
    await once(server, 'listening');
    server.unref();
    removeStaleSockets(dir);
    assert.deepEqual(readdirSync(dir), [live]);
    server.close();
    stop();
  });

  it('no pin outlives the window: a window’s connection coming up, and the last one going, end the pins', async () => {
    const p = pinned();
    const windows = new Set<import('node:net').Socket>();
    const server = createServer((s) => (windows.add(s), s.on('error', () => undefined)));
    server.listen(join(dir, 'window-1-abcd.sock'));
    await once(server, 'listening');
    const link = new Link(
      dir,
      { v: PROTOCOL, type: 'hello', pid: process.pid, companion: 'test' },
      () => undefined,
      undefined,
      () => p.reloaded(undefined),
    );
    try {
      assert.equal(p.size, 1);
      assert.ok(await link.reach(5000));
      assert.equal(p.size, 0, 'a window came: it may have switched while none listened');
      p.answered('anthropic', KEY_A, HOST, 200);
      p.reloaded(soft({ anthropic: [fingerprint(KEY_A)] }));
      assert.equal(p.keyFor('anthropic'), KEY_A);
      await until(() => windows.size === 1);
      server.close(); // the window closes
      for (const s of windows) s.destroy();
      await until(() => !link.connected());
      assert.equal(p.size, 0, 'the last window went');
    } finally {
      link.close();
      server.close();
    }
  });

  it('a directory open to others: nothing is offered, and a child does not connect there', async () => {
    const env: NodeJS.ProcessEnv = {};
    chmodSync(dir, 0o755);
    const stop = await offerToChildren(dir, pinned(), env);
    assert.equal(env[PARENT_ENV], undefined);
    assert.deepEqual(readdirSync(dir), []);
    stop();
    // A socket offered while the directory was private, then the directory opened: the child refuses.
    chmodSync(dir, 0o700);
    const stop2 = await offerToChildren(dir, pinned(), env);
    chmodSync(dir, 0o755);
    assert.deepEqual((await inheritPins(env[PARENT_ENV], dir)).pins, {});
    stop2();
  });
});
