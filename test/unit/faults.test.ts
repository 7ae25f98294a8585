// Fault injection: writers killed mid-write, disks that refuse, locks left by dead processes,
// and token endpoints that reset, stall, trickle, burst 5xx or rate-limit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import nodeFs, { type Mode, type OpenMode, type PathLike } from 'node:fs';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import type { OAuthCredential } from '../../src/core/credentials';
import { isFault } from '../../src/core/faults';
import { updateAuthFile } from '../../src/core/mirror/auth-file';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { routedOAuth } from './pi-routing';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { KeyResolver } from '../../src/core/resolver';
import { Vault } from '../../src/core/vault';
import { anthropicTokenServer } from './emulator';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { openWindow, quiet } from './window';

const root = resolve(__dirname, '../../..');
const KILLS = Number(process.env.CRASH_RUNS ?? 200);

describe('fault injection', function () {
  this.timeout(180_000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it(`a writer killed at random points (${KILLS} runs) leaves auth.json old or new, never partial`, async () => {
    const path = join(t.dir, 'auth.json');
    writeFileSync(path, JSON.stringify({ initial: { type: 'api_key', key: 'k' } }, null, 2));
    const valid = new Set([readFileSync(path, 'utf8')]);
    const big = (tag: string) =>
      JSON.stringify(
        Object.fromEntries(
          Array.from({ length: 4000 }, (_, i) => [
            `${tag}-${i}`,
            { type: 'api_key', key: `${tag}-key-${i}-0123456789abcdef` },
          ]),
        ),
        null,
        2,
      );
    valid.add(big('a')).add(big('b'));
    let partial = 0;
    const seen: Record<string, number> = {};
    // Four lanes at once, each killing its own writer of the same file, to keep the wall time down.
    const lane = async (runs: number) => {
      for (let run = 0; run < runs; run++) {
        const child = spawn(process.execPath, [join(root, 'test/unit/fixtures/crash-writer.mjs'), path], {
          env: { ...process.env, AUTH_FILE_MODULE: join(root, 'out/src/core/mirror/auth-file.js') },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise<void>((r) => child.stdout.once('data', () => r()));
        await new Promise((r) => setTimeout(r, Math.random() * 40));
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        const text = readFileSync(path, 'utf8');
        if (!valid.has(text)) partial++;
        const which = text.includes('"a-0"') ? 'a' : text.includes('"b-0"') ? 'b' : 'initial';
        seen[which] = (seen[which] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 4 }, (_, i) => lane(Math.floor(KILLS / 4) + (i < KILLS % 4 ? 1 : 0))));
    const leftovers = readdirSync(t.dir).filter((n) => n.endsWith('.tmp')).length;
    await updateAuthFile(path, () => false); // the next locked update sweeps dead writers' temp files
    const afterSweep = readdirSync(t.dir).filter((n) => n.endsWith('.tmp')).length;
    assert.equal(partial, 0);
    assert.equal(afterSweep, 0);
    console.log(
      `      ${KILLS} kills: partial files 0; file was ${Object.entries(seen)
        .map(([k, v]) => `${k} ${v}x`)
        .join(', ')}; ${leftovers} temp files left by killed writers, ${afterSweep} after the next update`,
    );
  });

  describe('disks that refuse', () => {
    const cases: [string, string][] = [
      ['ENOSPC', 'disk full'],
      ['EROFS', 'read-only file system'],
      ['EACCES', 'permission denied'],
    ];
    for (const [code, what] of cases) {
      it(`${what} (${code}): a typed fault, auth.json and the vault unchanged`, async () => {
        const path = join(t.dir, 'auth.json');
        const before = JSON.stringify({ groq: { type: 'api_key', key: 'gsk_foreign' } }, null, 2);
        writeFileSync(path, before);
        const store = new MemorySecretStore();
        const vault = new Vault(store);
        await vault.load();
        await vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-diskDISKdiskDISK0123' });
        const vaultBefore = store.map.get('piAccounts.vault.v1');
        const restore = refuseNewFiles(code, `${code}: ${what}`);
        try {
          await assert.rejects(
            new AuthMirror(
              vault,
              new MirrorStateStore(store),
              () => path,
              () => undefined,
              defaultsOf(vault),
            ).sync(),
            (e) => isFault(e, 'mirror-io') && e.message.includes(code) && e.details.path === path,
          );
        } finally {
          restore();
        }
        assert.equal(readFileSync(path, 'utf8'), before);
        assert.equal(store.map.get('piAccounts.vault.v1'), vaultBefore);
        assert.deepEqual(
          readdirSync(t.dir).filter((n) => n.endsWith('.tmp')),
          [],
        );
      });
    }

    it('a refresh whose auth.json write fails still hands out the new key; the vault keeps the rotated token', async () => {
      const server = await anthropicTokenServer();
      const path = join(t.dir, 'auth.json');
      const { vault, mirror, resolver } = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
      await vault.add('anthropic', 'max', {
        type: 'oauth',
        refresh: 'rt-0',
        access: 'sk-ant-oat01-access-0',
        expires: 0,
      });
      await mirror.sync();
      const restore = refuseNewFiles('ENOSPC', 'ENOSPC');
      try {
        assert.equal(await resolver.key('anthropic'), 'sk-ant-oat01-access-1');
      } finally {
        restore();
        await server.close();
      }
      assert.equal((vault.credential('anthropic', 'max') as OAuthCredential).refresh, 'rt-1');
      await mirror.sync(); // the disk is back: the next sync writes the new tokens
      assert.equal(JSON.parse(readFileSync(path, 'utf8')).anthropic.refresh, 'rt-1');
    });
  });

  it("a lock left by a dead process is taken over after pi's stale interval (30 s)", async () => {
    const path = join(t.dir, 'auth.json');
    writeFileSync(path, '{}');
    mkdirSync(`${path}.lock`);
    const old = (Date.now() - 31_000) / 1000;
    utimesSync(`${path}.lock`, old, old);
    const started = Date.now();
    await updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).openai.key, 'k');
  });

  describe('token endpoints that misbehave: bounded retries, a typed fault, nothing lost', () => {
    type Mode = 'reset' | 'stall' | 'trickle' | 'burst' | '429';
    async function misbehaving(mode: Mode) {
      let calls = 0;
      const server = createServer(async (req, res) => {
        calls++;
        for await (const _ of req) _;
        if (mode === 'reset') return req.socket.destroy();
        if (mode === 'stall') return; // never answers
        if (mode === 'trickle') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"access_token":');
          return; // the body never finishes
        }
        if (mode === 'burst' && calls <= 2) return res.writeHead(503).end('{}');
        if (mode === '429')
          return res
            .writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' })
            .end('{"error":"rate_limited"}');
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ access_token: 'sk-ant-oat01-after-burst', refresh_token: 'rt-next', expires_in: 3600 }),
          );
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/oauth/token`;
      return {
        url,
        calls: () => calls,
        close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
      };
    }
    const expected: Record<Mode, { code?: string; calls: number }> = {
      reset: { code: 'network', calls: 3 },
      stall: { code: 'network', calls: 3 },
      trickle: { code: 'network', calls: 3 },
      burst: { calls: 3 },
      '429': { code: 'oauth', calls: 1 },
    };
    for (const mode of Object.keys(expected) as Mode[]) {
      it(mode, async () => {
        const m = await misbehaving(mode);
        const vault = new Vault(new MemorySecretStore());
        await vault.load();
        const oauth = () => routedOAuth('anthropic', { tokenUrl: m.url });
        await vault.add('anthropic', 'max', { type: 'oauth', refresh: 'rt-0', access: 'sk-ant-oat01-old', expires: 0 });
        // Short timeouts: the stalled and trickling servers would otherwise hold for 30 s per try.
        const resolver = new KeyResolver({
          vault,
          oauth,
          log: quiet,
          http: () => ({ timeoutMs: 300 }),
          retry: { baseMs: 10 },
          inUse: defaultsOf(vault),
          locked: lockedRun({ inUse: defaultsOf(vault), mirror: () => undefined, privateLock: join(t.dir, 'p') }),
        });
        const started = Date.now();
        try {
          if (expected[mode].code)
            await assert.rejects(
              resolver.key('anthropic'),
              (e) => isFault(e, expected[mode].code as never) && !/sk-ant|rt-0/.test(e.message),
            );
          else assert.equal(await resolver.key('anthropic'), 'sk-ant-oat01-after-burst');
        } finally {
          await m.close();
        }
        assert.equal(m.calls(), expected[mode].calls, 'retries are bounded');
        assert.ok(Date.now() - started < 5000);
        const cred = vault.credential('anthropic', 'max') as OAuthCredential;
        assert.equal(vault.accounts('anthropic')[0].needsSignIn, false, 'a misbehaving server never costs the account');
        assert.equal(cred.refresh, expected[mode].code ? 'rt-0' : 'rt-next');
      });
    }
  });
});

/** The disk refuses new files (auth.json's temp file is opened 'wx'); reads still work. */
function refuseNewFiles(code: string, message: string): () => void {
  const fs = nodeFs as { openSync: typeof nodeFs.openSync };
  const open = fs.openSync;
  fs.openSync = ((path: PathLike, flags?: OpenMode, mode?: Mode) => {
    if (flags === 'wx') throw Object.assign(new Error(message), { code });
    return open(path, flags ?? 'r', mode);
  }) as typeof nodeFs.openSync;
  return () => void (fs.openSync = open);
}
