// The pi concurrency soak, shared by the unit test (a few seconds) and `npm run bench` (60 s):
// pi processes running pi's real credential store (set, remove, refresh against the emulator)
// while this process runs the extension's vault, mirror and resolver on the same auth.json.
// pi 1.x by default (fixtures/soak-pi1.mjs); `pi: '0.73'` runs the last @mariozechner release
// (fixtures/soak-pi.mjs) for people who have not moved yet.
import { isDeepStrictEqual } from 'node:util';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OAuthCredential } from '../../src/core/credentials';
import { anthropicTokenServer } from './emulator';
import { MemorySecretStore, tempDir } from './helpers';
import { openWindow } from './window';

const root = resolve(__dirname, '../../..');

export interface SoakFigures {
  seconds: number;
  piProcesses: number;
  piOps: number;
  piLockRetries: number;
  /** pi's reload()s that failed (its lock busy for its ten tries), by error code. */
  piReloadFailures: Record<string, number>;
  /** set/remove that pi kept in memory only, because its last reload had failed (see soak-pi.mjs). */
  piUnpersisted: number;
  extensionOps: number;
  refreshes: number;
  invalidGrant: number;
  lostUpdates: number;
  /** Each lost update: the entry, whose it is, what its writer last set and what auth.json holds. */
  lost: LostUpdate[];
  fileParses: boolean;
  tokensAgree: boolean;
}

export interface LostUpdate {
  entry: string;
  writer: string;
  expected?: string;
  actual?: string;
  /** For a pi entry: pi's last operation on it. */
  last?: unknown;
}

/** One lost update in words, for the test's and the bench's output. */
export function lostLine(l: LostUpdate): string {
  return `lost: ${l.entry} (${l.writer}) expected ${l.expected ?? '(absent)'}, auth.json has ${l.actual ?? '(absent)'}${l.last ? `; pi's last operation on it: ${JSON.stringify(l.last)}` : ''}`;
}

/** pi's own figures: what pi itself did not persist, whoever else used the file (see soak-pi.mjs). */
export function piOwnLine(f: SoakFigures): string {
  return `pi's own: reloads failed ${JSON.stringify(f.piReloadFailures)}, writes kept in memory only ${f.piUnpersisted}`;
}

export async function runSoak(o: { seconds: number; piProcesses?: number; pi?: '1' | '0.73' }): Promise<SoakFigures> {
  const n = o.piProcesses ?? 4;
  const t = tempDir();
  // expires_in 301 s: pi stores now + 1 s (it subtracts 5 minutes), so pi refreshes every
  // second, and the extension (which refreshes with less than 5 minutes left) on every request.
  const server = await anthropicTokenServer({ expiresIn: 301, latencyMs: 20 });
  try {
    const path = join(t.dir, 'auth.json');
    const { vault, mirror, resolver } = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
    await vault.add('anthropic', 'max', {
      type: 'oauth',
      refresh: 'rt-0',
      access: 'sk-ant-oat01-access-0',
      expires: 0,
    });
    await mirror.sync();

    const children = Array.from({ length: n }, (_, i) => {
      const child = spawn(
        process.execPath,
        [
          join(root, `test/unit/fixtures/${o.pi === '0.73' ? 'soak-pi.mjs' : 'soak-pi1.mjs'}`),
          path,
          server.base,
          `pi${i}`,
          String(o.seconds),
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      return new Promise<{
        prefix: string;
        figures: Record<string, number>;
        expected: Record<string, string>;
        last: Record<string, unknown>;
        reloadErrors: Record<string, number>;
      }>((res, rej) =>
        child.on('exit', (code) =>
          code ? rej(new Error(`pi soak process exited with ${code}`)) : res(JSON.parse(out)),
        ),
      );
    });

    // The extension: keys (refreshing under pi's lock), syncs, and its own accounts coming and going.
    let extensionOps = 0;
    let groq: string | undefined;
    const deadline = Date.now() + o.seconds * 1000;
    while (Date.now() < deadline) {
      const roll = Math.random();
      if (roll < 0.5) await resolver.key('anthropic');
      else if (roll < 0.75) {
        if (groq) await vault.remove('groq', 'soak');
        else await vault.add('groq', 'soak', { type: 'api_key', key: `gsk_soak_${Date.now()}_0123456789` });
        groq = groq ? undefined : (vault.credential('groq', 'soak') as { key: string }).key;
        await mirror.sync();
      } else await mirror.sync();
      extensionOps++;
      await new Promise((r) => setTimeout(r, Math.random() * 10));
    }
    const results = await Promise.all(children);
    await mirror.sync(); // adopt whatever pi refreshed last
    const text = readFileSync(path, 'utf8');
    let data: Record<string, { key?: string }> = {};
    let fileParses = true;
    try {
      data = JSON.parse(text);
    } catch {
      fileParses = false;
    }
    const lost: LostUpdate[] = [];
    const check = (entry: string, writer: string, expected: string | undefined, last?: unknown) => {
      const actual = data[entry]?.key;
      if (actual !== expected) lost.push({ entry, writer, expected, actual, last });
    };
    for (const r of results)
      for (let k = 0; k < 8; k++)
        check(`${r.prefix}-${k}`, `pi process ${r.prefix}`, r.expected[`${r.prefix}-${k}`], r.last[`${r.prefix}-${k}`]);
    check('groq', 'the extension', groq);
    const ours = vault.credential('anthropic', 'max') as OAuthCredential;
    return {
      seconds: o.seconds,
      piProcesses: n,
      piOps: results.reduce(
        (s, r) => s + r.figures.sets + r.figures.removes + r.figures.keys + r.figures.refreshErrors,
        0,
      ),
      piLockRetries: results.reduce((s, r) => s + r.figures.lockRetries, 0),
      piReloadFailures: results.reduce<Record<string, number>>((s, r) => {
        for (const [code, count] of Object.entries(r.reloadErrors)) s[code] = (s[code] ?? 0) + count;
        return s;
      }, {}),
      piUnpersisted: results.reduce((s, r) => s + r.figures.unpersisted, 0),
      extensionOps,
      refreshes: server.stats.refreshes,
      invalidGrant: server.stats.reused,
      lostUpdates: lost.length,
      lost,
      fileParses,
      // The same tokens, whichever writer ordered the entry's fields.
      tokensAgree: isDeepStrictEqual(data.anthropic, ours),
    };
  } finally {
    await server.close();
    t.cleanup();
  }
}
