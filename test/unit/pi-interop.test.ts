import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { OAuthCredential } from '../../src/core/credentials';
import { withFileLock } from '../../src/core/mirror/auth-file';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { providersWithApiKeys } from '../../src/core/providers/directory';
import { Vault } from '../../src/core/vault';
import { anthropicTokenServer } from './emulator';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { openWindow } from './window';

interface PiAuthStorage {
  getApiKey(provider: string): Promise<string | undefined>;
  list(): string[];
  set(provider: string, cred: unknown): void;
  reload(): void;
  drainErrors(): Error[];
}
const loadPi = async () =>
  (await import('@mariozechner/pi-coding-agent')) as unknown as {
    AuthStorage: { create(path: string): PiAuthStorage };
  };

const root = resolve(__dirname, '../../..');
const run = promisify(execFile);

describe("interop with the real pi (@mariozechner/pi-coding-agent's AuthStorage)", () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('pi resolves the same key for every provider the mirror wrote', async () => {
    const path = join(t.dir, 'auth.json');
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    const providers = providersWithApiKeys();
    for (const p of providers)
      await vault.add(p.id, 'default', { type: 'api_key', key: `key-for-${p.id}-0123456789abcdef` });
    await new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    ).sync();
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const { AuthStorage } = await loadPi();
    const pi = AuthStorage.create(path);
    for (const p of providers) assert.equal(await pi.getApiKey(p.id), `key-for-${p.id}-0123456789abcdef`, p.id);
    assert.deepEqual(pi.list().sort(), providers.map((p) => p.id).sort());
    console.log(`      pi AuthStorage.getApiKey resolved ${providers.length}/${providers.length} mirrored providers`);
  });

  it('keeps what pi writes, and pi keeps what the mirror writes', async () => {
    const path = join(t.dir, 'auth.json');
    const { AuthStorage } = await loadPi();
    const pi = AuthStorage.create(path);
    pi.set('github-copilot', {
      type: 'oauth',
      refresh: 'gho_x',
      access: 'tid=1;proxy-ep=proxy.x',
      expires: Date.now() + 3_600_000,
    });
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-interop-0123456789' });
    const mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    );
    await mirror.sync();
    pi.set('openai', { type: 'api_key', key: 'sk-proj-set-by-pi-0123456789' });
    await vault.removeProvider('anthropic');
    await mirror.sync();
    const data = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(Object.keys(data).sort(), ['github-copilot', 'openai']);
  });

  it('8 concurrent writers (4 pi processes, 4 mirror processes) lose no entry', async function () {
    this.timeout(120_000);
    const path = join(t.dir, 'auth.json');
    const perWriter = 25;
    const writer = join(root, 'test/unit/fixtures/writer.mjs');
    const env = { ...process.env, AUTH_FILE_MODULE: join(root, 'out/src/core/mirror/auth-file.js') };
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const kind = i % 2 === 0 ? 'pi' : 'mirror';
        return run(process.execPath, [writer, kind, path, `${kind}${i}`, String(perWriter)], { env, cwd: root }).then(
          (r) => JSON.parse(r.stdout) as { kind: string; ok: number; retries: number; reloads: number },
        );
      }),
    );
    const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { key: string }>;
    const expected = results.length * perWriter;
    assert.equal(
      results.reduce((n, r) => n + r.ok, 0),
      expected,
    );
    assert.equal(Object.keys(data).length, expected, 'every successful write is in the file');
    for (const [id, v] of Object.entries(data)) assert.equal(v.key, id.replace(/-(\d+)$/, '-key-$1'));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const pis = results.filter((r) => r.kind === 'pi');
    const piRetries = pis.reduce((n, r) => n + r.retries, 0);
    const piReloads = pis.reduce((n, r) => n + r.reloads, 0);
    console.log(
      `      8 writers x ${perWriter} entries: ${Object.keys(data).length}/${expected} present, 0 lost, ${Date.now() - started} ms, pi lock-busy retries: ${piRetries}, pi reloads after a failed one: ${piReloads}`,
    );
  });

  // Why the soak and the 8-writer test count pi's writes as they do: under load, a lock held by
  // anyone (another pi refreshing, the extension) past pi's ten 20 ms tries makes pi's reload
  // fail, and from then on pi's set() changes its memory only, with no error, until a reload
  // succeeds (AuthStorage.persistProviderChange returns early on `loadError`,
  // @mariozechner/pi-coding-agent 0.73.1). No other writer is involved in that loss.
  it("pi's own loss: after a reload that found the lock busy, pi's set() stays in memory, silently, until a reload succeeds", async () => {
    const path = join(t.dir, 'auth.json');
    writeFileSync(path, '{}');
    const { AuthStorage } = await loadPi();
    let pi: PiAuthStorage | undefined;
    await withFileLock(path, async () => {
      pi = AuthStorage.create(path); // its constructor's reload spins ~200 ms on the busy lock, then gives up
    });
    assert.equal(pi!.drainErrors()[0]?.message, 'Lock file is already being held');
    pi!.set('openai', { type: 'api_key', key: 'sk-memory-only' });
    assert.deepEqual(pi!.drainErrors(), [], 'pi reports nothing');
    assert.deepEqual(pi!.list(), ['openai'], 'pi believes it has the key');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {}, 'but auth.json never got it');
    pi!.reload();
    pi!.set('openai', { type: 'api_key', key: 'sk-persisted' });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { openai: { type: 'api_key', key: 'sk-persisted' } });
  });

  it("pi's AuthStorage and the extension refreshing the same expired account at once: 1 refresh, same tokens", async function () {
    this.timeout(120_000);
    const path = join(t.dir, 'auth.json');
    const server = await anthropicTokenServer({ latencyMs: 150 });
    const { vault, mirror, resolver } = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
    await vault.add('anthropic', 'max', {
      type: 'oauth',
      refresh: 'rt-0',
      access: 'sk-ant-oat01-access-0',
      expires: Date.now() - 1000,
    });
    await mirror.sync();
    const rounds = 3;
    const piPerRound = 3;
    let piWon = 0;
    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        // Hours pass: the current tokens expire, in auth.json and in the vault alike.
        const stale = { ...vault.credential('anthropic', 'max')!, expires: Date.now() - 1000 } as OAuthCredential;
        writeFileSync(path, JSON.stringify({ anthropic: stale }, null, 2));
        await vault.updateCredential('anthropic', 'max', stale);
        await mirror.sync();
      }
      const before = server.stats.refreshes;
      const pis = Array.from({ length: piPerRound }, () => racer(path, server.base));
      await Promise.all(pis.map((p) => p.ready));
      // Alternate who starts first, so both orders of the race happen.
      const ours =
        round % 2
          ? (pis.forEach((p) => p.go()), resolver.key('anthropic'))
          : resolver.key('anthropic').finally(() => undefined);
      if (round % 2 === 0) pis.forEach((p) => p.go());
      const [mine, ...theirs] = await Promise.all([ours, ...pis.map((p) => p.result)]);
      assert.equal(server.stats.refreshes - before, 1, `round ${round}: exactly one refresh`);
      for (const r of theirs) assert.deepEqual(r, { key: mine, errors: [] }, `round ${round}: pi got the same key`);
      const file = JSON.parse(readFileSync(path, 'utf8')).anthropic;
      const fresh = await vault.freshCredential('anthropic', 'max');
      assert.deepEqual(file, fresh, `round ${round}: auth.json and the vault hold the same tokens`);
      if (server.seen.at(-1)?.headers['user-agent'] !== undefined) piWon++;
    }
    assert.equal(server.stats.reused, 0, 'no refresh token was spent twice');
    assert.equal(vault.accounts('anthropic')[0].needsSignIn, false);
    console.log(
      `      ${rounds} rounds x (${piPerRound} pi processes + the extension): ${server.stats.refreshes} refreshes, 0 reused; pi refreshed first in ${piWon}, the extension in ${rounds - piWon}`,
    );
    await server.close();
  });
});

function racer(path: string, emulatorBase: string) {
  const child = spawn(process.execPath, [join(root, 'test/unit/fixtures/pi-refresh.mjs'), path, emulatorBase], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<{ key: string; errors: string[] }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) onReady();
      const line = out.split('\n')[1];
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => (code ? reject(new Error(`pi racer exited with ${code}`)) : undefined));
  });
  return { ready, result, go: () => child.stdin.write('go\n') };
}
