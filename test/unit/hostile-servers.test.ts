// Issue 13: hostile token and device servers, symlinked and foreign-owned auth.json, two
// machines on one set of secrets, pi racing us. One test per defect, each against loopback
// emulators and, where pi is involved, the real pi package.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OAuthCredential } from '../../src/core/credentials';
import { isFault } from '../../src/core/faults';
import { postForm } from '../../src/core/http';
import { KeepFresh } from '../../src/core/keep-fresh';
import { UsageService } from '../../src/core/usage-service/usage-service';
import { ModelError } from '../../src/core/llm/errors';
import { clineCallbackFromPaste } from '../../src/core/providers/cline';
import { parseDeviceCode, pollDeviceToken } from '../../src/core/oauth/device';
import { parsePastedCode } from '../../src/core/oauth/paste';
import { lifetimeNotices, MAX_LIFETIME_S, parseTokenResponse } from '../../src/core/oauth/tokens';
import { MAX_MESSAGE, Redactor } from '../../src/core/redact';
import { Vault, VAULT_KEY } from '../../src/core/vault';
import { emulator, type Seen } from './emulator';
import { defaultsOf, MemorySecretStore, tempDir, until } from './helpers';
import { openWindow, quiet } from './window';

interface PiAuthStorage {
  getApiKey(provider: string): Promise<string | undefined>;
  set(provider: string, cred: unknown): void;
  list(): string[];
  drainErrors(): Error[];
}
const loadPi = async () =>
  (await import('@mariozechner/pi-coding-agent')) as unknown as {
    AuthStorage: { create(path: string): PiAuthStorage };
  };

const expired = (refresh = 'rt-0'): OAuthCredential => ({
  type: 'oauth',
  refresh,
  access: 'sk-ant-oat01-access-0',
  expires: Date.now() - 1000,
});
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refreshOf = (r: Seen) => (JSON.parse(r.body) as { refresh_token: string }).refresh_token;

/** An Anthropic-shaped token endpoint whose answers the test writes. */
const tokenServer = (answer: (r: Seen, n: number) => Promise<object> | object) => {
  let n = 0;
  return emulator(async (r) => {
    const reply = await answer(r, ++n);
    return 'status' in reply ? (reply as { status: number; json: unknown }) : { json: reply };
  }).then((em) => ({ ...em, tokenUrl: `${em.base}/v1/oauth/token` }));
};

/** How long `lockDir` exists at a stretch, sampled every 2 ms. */
function lockWatch(lockDir: string) {
  const holds: number[] = [];
  let since: number | undefined;
  const timer = setInterval(() => {
    const held = existsSync(lockDir);
    if (held && since === undefined) since = performance.now();
    if (!held && since !== undefined) (holds.push(performance.now() - since), (since = undefined));
  }, 2);
  return {
    stop: () => (clearInterval(timer), since !== undefined && holds.push(performance.now() - since), holds),
  };
}

describe('hostile servers, symlinks, root and a second machine (issue 13)', function () {
  this.timeout(60_000);
  let t: ReturnType<typeof tempDir>;
  const servers: { close(): Promise<void> }[] = [];
  beforeEach(() => (t = tempDir()));
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    t.cleanup();
  });
  const authPath = () => join(t.dir, 'auth.json');

  it('1. an expires_in of 1e306 is clamped to a year (logged); the vault and auth.json stay readable; one unreadable entry hides no other', async () => {
    const server = await tokenServer(() => ({
      access_token: 'sk-ant-oat01-huge',
      refresh_token: 'rt-huge',
      expires_in: 1e306,
    }));
    servers.push(server);
    const notices: string[] = [];
    const sub = lifetimeNotices.event((m) => notices.push(m));
    const store = new MemorySecretStore();
    const w = await openWindow(store, t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await w.vault.add('anthropic', 'other', { type: 'api_key', key: 'sk-ant-api03-otherOTHERother0123' });
    await w.mirror.sync();
    try {
      assert.equal(await w.resolver.key('anthropic', 'max'), 'sk-ant-oat01-huge');
    } finally {
      sub.dispose();
    }
    const stored = w.vault.credential('anthropic', 'max') as OAuthCredential;
    assert.ok(
      Number.isFinite(stored.expires) && stored.expires <= Date.now() + MAX_LIFETIME_S * 1000,
      `expires ${stored.expires}`,
    );
    assert.equal(stored.refresh, 'rt-huge');
    assert.match(notices.join('\n'), /outside 60 s … 1 year/);
    const again = new Vault(store);
    await again.load();
    assert.equal(again.accounts().length, 2, 'every account is still readable');
    assert.deepEqual(
      JSON.parse(readFileSync(authPath(), 'utf8')).anthropic,
      stored,
      'auth.json has the new tokens, not the spent refresh token',
    );

    // What an older build left behind: an expiry stored as null. The other accounts load; that one is reported and kept.
    const saved = JSON.parse(store.map.get(VAULT_KEY)!);
    saved.providers.anthropic.accounts[0].credential.expires = null;
    store.map.set(VAULT_KEY, JSON.stringify(saved));
    const third = new Vault(store);
    await third.load();
    assert.deepEqual(
      third.accounts().map((a) => a.name),
      ['other'],
    );
    assert.deepEqual(
      third.unreadable().map((u) => `${u.provider}/${u.name}`),
      ['anthropic/max'],
    );
    await third.add('openai', 'work', { type: 'api_key', key: 'sk-proj-0123456789abcdefghijKLMNOP' });
    const after = JSON.parse(store.map.get(VAULT_KEY)!);
    assert.deepEqual(
      after.providers.anthropic.accounts.find((a: { name: string }) => a.name === 'max'),
      saved.providers.anthropic.accounts[0],
      'the unreadable entry is kept as it was',
    );
  });

  it('2. expires_in "3600" (a string, which pi accepts) is taken; an answer refused after the old token was spent keeps the new refresh token', async () => {
    const server = await tokenServer((_r, n) =>
      n === 1
        ? { access_token: 'sk-ant-oat01-string', refresh_token: 'rt-1', expires_in: '3600' }
        : { refresh_token: 'rt-2', expires_in: 3600 },
    );
    servers.push(server);
    const w = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await w.mirror.sync();
    const before = Date.now();
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-string');
    const first = w.vault.credential('anthropic', 'max') as OAuthCredential;
    assert.ok(Math.abs(first.expires - (before + 3_300_000)) < 5_000, 'one hour, less the 5 minutes pi takes off');

    await w.vault.updateCredential('anthropic', 'max', { ...first, expires: Date.now() - 1000 });
    // 200 with a refresh token but no access token: refused, yet rt-1 is spent and rt-2 is all there is.
    await assert.rejects(w.resolver.key('anthropic'), (e) => isFault(e, 'oauth') && !e.message.includes('rt-2'));
    assert.equal(
      (w.vault.credential('anthropic', 'max') as OAuthCredential).refresh,
      'rt-2',
      'the issued refresh token is stored',
    );
    assert.equal(JSON.parse(readFileSync(authPath(), 'utf8')).anthropic.refresh, 'rt-2', 'and written for pi');
    assert.equal(w.vault.accounts('anthropic')[0].needsSignIn, false);
    assert.deepEqual(server.seen.map(refreshOf), ['rt-0', 'rt-1']);
  });

  it('3. a refusal of a refresh token another machine already replaced does not mark a working account', async () => {
    // Two machines: one set of secrets (shared store), their own auth.json and lock files.
    const shared = new MemorySecretStore();
    const other = tempDir();
    let storedByA = () => false;
    const server = await tokenServer(async (_r, n) => {
      if (n === 1) {
        await delay(200); // both requests are out with rt-0 now
        return { access_token: 'sk-ant-oat01-from-a', refresh_token: 'rt-1', expires_in: 28_800 };
      }
      // The reuse is refused only once A has stored its answer, as a real race would end.
      for (let i = 0; i < 200 && !storedByA(); i++) await delay(10);
      return { status: 400, json: { error: 'invalid_grant' } };
    });
    servers.push(server);
    try {
      const a = await openWindow(shared, t.dir, server.tokenUrl);
      await a.vault.add('anthropic', 'max', expired());
      const b = await openWindow(shared.sibling(), other.dir, server.tokenUrl);
      await b.vault.load();
      storedByA = () => (a.vault.credential('anthropic', 'max') as OAuthCredential).refresh === 'rt-1';
      const ka = a.resolver.key('anthropic');
      await delay(50);
      const kb = b.resolver.key('anthropic');
      assert.equal(await ka, 'sk-ant-oat01-from-a');
      assert.equal(await kb, 'sk-ant-oat01-from-a', 'B uses the tokens A stored');
      assert.deepEqual(server.seen.map(refreshOf), ['rt-0', 'rt-0']);
      await b.vault.load('external');
      assert.equal(b.vault.accounts('anthropic')[0].needsSignIn, false, 'not marked "needs sign-in"');
    } finally {
      other.cleanup();
    }
  });

  it("4. a symlinked auth.json: the refresh holds both of pi's locks, so pi's real AuthStorage never spends the same refresh token; a dangling link is kept", async () => {
    const dotfiles = join(t.dir, 'dotfiles');
    mkdirSync(dotfiles);
    const target = join(dotfiles, 'auth.json');
    symlinkSync(target, authPath()); // dangling: the target does not exist yet
    let live = 'rt-0';
    let reused = 0;
    const server = await tokenServer(async (r, n) => {
      await delay(300);
      if (refreshOf(r) !== live) return (reused++, { status: 400, json: { error: 'invalid_grant' } });
      live = `rt-${n}`;
      return { access_token: `sk-ant-oat01-access-${n}`, refresh_token: live, expires_in: 28_800 };
    });
    servers.push(server);
    const w = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await w.mirror.sync();
    assert.ok(lstatSync(authPath()).isSymbolicLink(), 'the link is kept');
    assert.equal(JSON.parse(readFileSync(target, 'utf8')).anthropic.refresh, 'rt-0', 'its target was created');

    const { AuthStorage } = await loadPi();
    const pi = AuthStorage.create(authPath()); // pi reads the expired entry through the link
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((url: string | URL, init?: RequestInit) =>
      realFetch(String(url).replace('https://platform.claude.com', server.base), init)) as typeof fetch;
    try {
      const ours = w.resolver.key('anthropic');
      for (let i = 0; i < 100 && !existsSync(`${target}.lock`); i++) await delay(5);
      assert.ok(
        existsSync(`${authPath()}.lock`) && existsSync(`${target}.lock`),
        "both pi's locks are held during the refresh",
      );
      const [mine, theirs] = await Promise.all([ours, pi.getApiKey('anthropic')]);
      assert.equal(theirs, mine, 'pi waited for the lock and took our tokens');
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.equal(reused, 0, 'no refresh token was sent twice');
    assert.equal(server.seen.length, 1);
    assert.deepEqual(pi.drainErrors(), []);
    assert.ok(lstatSync(authPath()).isSymbolicLink(), 'still a link after the refresh');
  });

  it("5. running as root keeps the owner, group and 0600 of another user's auth.json, and that user's pi (1.6) still reads it", async function () {
    if (process.getuid?.() !== 0) this.skip();
    const uid = 4242;
    chmodSync(t.dir, 0o700);
    chownSync(t.dir, uid, uid); // their ~/.pi/agent
    writeFileSync(authPath(), JSON.stringify({ openai: { type: 'api_key', key: 'sk-proj-theirsTHEIRStheirs0123' } }), {
      mode: 0o600,
    });
    chownSync(authPath(), uid, uid);
    const store = new MemorySecretStore();
    const w = await openWindow(store, t.dir, 'http://127.0.0.1:9/unused');
    await w.vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-rootROOTroot012345' });
    const report = await w.mirror.sync();
    assert.equal(report.written, true);
    const st = statSync(authPath());
    assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [uid, uid, 0o600]);
    // Their pi is pi 1.x on Node 24. The Node running these tests may live where that user
    // cannot reach (/root/.cache): they get their own copy of it, in their own folder.
    const node = join(t.dir, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    chownSync(node, uid, uid);
    const script = `process.env.PI_OFFLINE = '1'; const { ModelRuntime } = await import('@earendil-works/pi-coding-agent'); const r = await ModelRuntime.create({ authPath: ${JSON.stringify(authPath())}, modelsPath: null, refreshOnCreate: false }); const k = async (p) => (await r.getAuth(p))?.auth.apiKey; console.log(JSON.stringify({ key: await k('anthropic'), openai: await k('openai') }));`;
    const { stdout } = await promisify(execFile)(node, ['--input-type=module', '-e', script], {
      uid,
      gid: uid,
      cwd: join(__dirname, '../../..'),
      env: { PATH: process.env.PATH, HOME: t.dir },
    });
    assert.deepEqual(JSON.parse(stdout), {
      key: 'sk-ant-api03-rootROOTroot012345',
      openai: 'sk-proj-theirsTHEIRStheirs0123',
    });
  });

  it("6. a token server that never answers: pi's lock is held for one request at a time, and a pi started during the retries reads its credentials and saves its /login", async () => {
    const server = await tokenServer(() => new Promise<object>(() => undefined));
    servers.push(server);
    const timeoutMs = 400;
    const { AuthStorage } = await loadPi();
    const betweenAttempts: { errors: number; saved: boolean }[] = [];
    const w = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl, {
      http: { timeoutMs },
      retry: {
        attempts: 3,
        baseMs: 50,
        sleep: async (ms) => {
          const pi = AuthStorage.create(authPath()); // pi's synchronous path: it waits 200 ms at most
          pi.set(`openrouter`, { type: 'api_key', key: `sk-or-v1-saved-during-retry-${betweenAttempts.length}` });
          betweenAttempts.push({ errors: pi.drainErrors().length, saved: pi.list().includes('anthropic') });
          await delay(ms);
        },
      },
    });
    await w.vault.add('anthropic', 'max', expired());
    await w.mirror.sync();
    const watch = lockWatch(`${authPath()}.lock`);
    const started = performance.now();
    await assert.rejects(w.resolver.key('anthropic'), (e) => isFault(e, 'network'));
    const total = performance.now() - started;
    const holds = watch.stop();
    assert.equal(server.seen.length, 3, 'three attempts');
    assert.deepEqual(
      betweenAttempts,
      [
        { errors: 0, saved: true },
        { errors: 0, saved: true },
      ],
      'between attempts pi reads auth.json and its writes land',
    );
    assert.equal(JSON.parse(readFileSync(authPath(), 'utf8')).openrouter.key, 'sk-or-v1-saved-during-retry-1');
    const longest = Math.max(...holds);
    assert.ok(
      holds.length >= 3 && longest < timeoutMs * 2,
      `lock holds ${holds.map((h) => h.toFixed(0)).join(', ')} ms`,
    );
    console.log(
      `      never-answering server, ${timeoutMs} ms timeout: 3 attempts in ${total.toFixed(0)} ms; pi's lock held ${holds.map((h) => h.toFixed(0)).join(' / ')} ms (longest ${longest.toFixed(0)} ms)`,
    );
  });

  it('7. a token or key echoed by a server reaches no message a person or another extension sees, and server text is bounded', async () => {
    const token = 'rt-0-this-refresh-token-is-secret';
    const key = 'mistral0123456789abcdefABCDEF0123';
    const echo = await tokenServer(() => ({
      status: 400,
      json: { error: `bad refresh_token ${token}`, error_description: token },
    }));
    servers.push(echo);
    const w = await openWindow(new MemorySecretStore(), t.dir, echo.tokenUrl);
    await w.vault.add('anthropic', 'max', expired(token));
    await w.vault.add('mistral', 'work', { type: 'api_key', key });
    const redactor = new Redactor();
    redactor.setSecrets(w.vault.secrets());
    const refused = await w.resolver.key('anthropic').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isFault(refused, 'oauth'));
    assert.ok(!refused.message.includes(token), 'the echoed token is not quoted at the source');
    const long = `Incorrect API key provided: ${key}. ${'x'.repeat(5000)} ${key}`;
    const unauthorized = new ModelError('unauthorized', `Mistral refused the request (401): ${long}`);
    for (const e of [refused, unauthorized, new Error(`socket hang up near ${key}`), `bare ${token}`]) {
      const text = redactor.describe(e);
      const fault = redactor.fault(e);
      for (const out of [text, fault.message, fault.nextStep ?? '']) {
        assert.ok(!out.includes(token) && !out.includes(key) && !out.includes(key.slice(0, 12)), out);
        assert.ok(out.length <= MAX_MESSAGE + 1, `${out.length} characters`);
      }
    }
    assert.equal(redactor.fault(unauthorized).code, 'needs-sign-in', 'the code (and so the action offered) is kept');
  });

  it('8. redaction is linear: 1 MB of hostile text in under 50 ms', () => {
    const r = new Redactor();
    r.setSecrets(Array.from({ length: 20 }, (_, i) => `secret-value-${i}-0123456789abcdef`));
    // V8 interprets a regex on its first run and compiles it on the next: a running extension's are compiled.
    for (let i = 0; i < 3; i++)
      r.redact(
        'warm up eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig sk-ant-0123456789 token 0123456789abcdefgh Bearer abcdefghij "key": "x"',
      );
    const MB = 1 << 20;
    const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
    const hostile: Record<string, string> = {
      '-eyJ repeated': fill('-eyJ'),
      'eyJ + one long run': `eyJ${fill('a')}`,
      'JWT-like segments': fill('eyJaaaaaaaaaaaa.'),
      'sk- runs': fill('sk-'),
      'token + long run': `token ${fill('a1')}`,
      'Bearer repeated': fill('Bearer '),
      '"key":" unclosed': `"key": "${fill('x')}`,
      mixed: fill('sk-ant eyJ-x.y token Bearer "key":" ghp_ AIza secret-value-1'),
    };
    const figures: string[] = [];
    let worst = 0;
    for (const [name, text] of Object.entries(hostile)) {
      // CPU time, best of five: the figure is the work, not the scheduler of a shared machine.
      let ms = Infinity;
      for (let i = 0; i < 5; i++) {
        const started = process.cpuUsage();
        r.redact(text);
        const used = process.cpuUsage(started);
        ms = Math.min(ms, (used.user + used.system) / 1000);
      }
      worst = Math.max(worst, ms);
      figures.push(`${name} ${ms.toFixed(1)}`);
    }
    console.log(`      1 MB hostile inputs (CPU ms, best of 5): ${figures.join(', ')}; worst ${worst.toFixed(1)} ms`);
    assert.ok(worst < 50, `worst ${worst.toFixed(1)} ms`);
  });

  it('9. a device interval beyond 2^31 ms is clamped to 60 s and polling stops at the code’s expiry', async () => {
    const server = await emulator(() => ({ status: 400, json: { error: 'authorization_pending' } }));
    servers.push(server);
    const code = parseDeviceCode({
      status: 200,
      headers: {},
      text: '',
      json: {
        device_code: 'd',
        user_code: 'ABCD-EFGH',
        verification_uri: 'https://example.com',
        expires_in: 2,
        interval: 3e6,
      },
    });
    assert.equal(code.interval, 60);
    const poll = () => postForm(`${server.base}/token`, { device_code: 'd' });
    const started = Date.now();
    await assert.rejects(pollDeviceToken({ ...code, expiresIn: 2 }, poll), (e) => isFault(e, 'expired'));
    assert.ok(server.seen.length <= 1, `${server.seen.length} polls`);
    assert.ok(Date.now() - started < 5_000);
    // A slow_down asking for an interval past setTimeout's limit is clamped the same way.
    const slept: number[] = [];
    let now = 0;
    let polls = 0;
    const slow = async () => ({
      status: 400,
      headers: {},
      text: '',
      json: polls++ ? { error: 'expired_token' } : { error: 'slow_down', interval: 1e12 },
    });
    await assert.rejects(
      pollDeviceToken({ ...code, expiresIn: 600, interval: 5 }, slow, {
        now: () => now,
        sleep: async (ms) => (slept.push(ms), void (now += ms)),
      }),
      (e) => isFault(e, 'expired'),
    );
    assert.ok(
      slept.every((ms) => ms >= 1000 && ms <= 66_000),
      slept.join(', '),
    );
  });

  it('10. pasted text that starts like a URL but is not one gets a typed fault that says what to paste', () => {
    for (const text of ['http://:x', 'https://', 'http://[', 'https://exa mple.com/?code=1']) {
      for (const parse of [(s: string) => parsePastedCode(s, 'state'), clineCallbackFromPaste]) {
        assert.throws(
          () => parse(text),
          (e) => isFault(e, 'oauth') && /paste/i.test(e.nextStep ?? ''),
          text,
        );
      }
    }
    assert.throws(
      () =>
        parseTokenResponse({ status: 200, headers: {}, text: '', json: { error: 'x'.repeat(10_000) } }, 'Refreshing'),
      (e) => isFault(e) && e.message.length < 200,
    );
  });

  it('the same checks on every refresh path: keep-fresh and quota refresh through the resolver', async () => {
    const server = await tokenServer((_r, n) => ({
      access_token: `sk-ant-oat01-kf-${n}`,
      refresh_token: `rt-kf-${n}`,
      expires_in: 1e306,
    }));
    servers.push(server);
    const store = new MemorySecretStore();
    const w = await openWindow(store, t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', { ...expired(), expires: Date.now() + 5 * 60_000 + 100 });
    const keep = new KeepFresh(w.vault, w.resolver, quiet, { active: defaultsOf(w.vault), minDelayMs: 0 });
    keep.sync();
    // Stored once the answer is in: poll for it (a loaded machine takes longer than a fixed wait).
    const storedRefresh = () => (w.vault.credential('anthropic', 'max') as OAuthCredential).refresh;
    await until(() => storedRefresh() !== 'rt-0', 20_000);
    keep.dispose();
    const stored = w.vault.credential('anthropic', 'max') as OAuthCredential;
    assert.equal(stored.refresh, 'rt-kf-1');
    assert.ok(Number.isFinite(stored.expires));
    // Quota asks the resolver for the credential it sends to the usage endpoint.
    await w.vault.updateCredential('anthropic', 'max', { ...stored, expires: Date.now() - 1000 });
    const used: OAuthCredential[] = [];
    const quota = new UsageService({
      vault: w.vault,
      resolver: w.resolver,
      client: () => ({
        provider: 'anthropic',
        fetch: async (c) => (used.push(c), { windows: [], fetchedAt: Date.now() }),
      }),
      feedback: { rateLimited: () => undefined },
    });
    await quota.refresh({ force: true });
    quota.dispose();
    assert.equal(used[0]?.refresh, 'rt-kf-2');
    assert.ok(Number.isFinite(used[0].expires) && used[0].expires <= Date.now() + MAX_LIFETIME_S * 1000);
    const again = new Vault(store);
    await again.load();
    assert.equal(again.accounts().length, 1);
  });
});
