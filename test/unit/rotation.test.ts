import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coalesced } from '../../src/core/events';
import type { Logger } from '../../src/core/log';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { Rotation, type RotationDeps } from '../../src/core/rotation/rotation';
import { terminalVariables } from '../../src/core/terminal-env';
import { Vault } from '../../src/core/vault';
import { MemorySecretStore, tempDir, until } from './helpers';
import type { UsageSnapshot } from '../../src/core/usage/usage-client';
import { decide, nextInTurn, type Candidate, type RotationMode } from '../../src/core/rotation/policy';
import { CachedRotationSettings, type RawRotationSettings } from '../../src/core/rotation/settings';

const NOW = 1_800_000_000_000;
const H = 3_600_000;
const usage = (...pcts: number[]): UsageSnapshot => ({
  fetchedAt: NOW,
  windows: pcts.map((p, i) => ({ label: i ? '7d' : '5h', usedPercent: p, resetsAt: NOW + (i ? 100 : 2) * H })),
});
const acc = (name: string, o: Partial<Candidate> = {}): Candidate => ({ name, isDefault: name === 'a', ...o });

describe('rotation policy', () => {
  const rows: {
    title: string;
    mode: RotationMode;
    threshold?: number;
    accounts: Candidate[];
    current?: string;
    active: string;
    cooldown?: [string, number];
    all?: boolean;
  }[] = [
    {
      title: 'manual keeps the default even when it is exhausted',
      mode: 'manual',
      accounts: [acc('a', { usage: usage(100) }), acc('b', { usage: usage(0) })],
      current: 'b',
      active: 'a',
    },
    {
      title: 'usage-based keeps the active account below the threshold',
      mode: 'usage-based',
      accounts: [acc('a', { usage: usage(79) }), acc('b', { usage: usage(0) })],
      current: 'a',
      active: 'a',
    },
    {
      title: 'usage-based: over the threshold it rests until its window resets; most headroom wins',
      mode: 'usage-based',
      accounts: [acc('a', { usage: usage(81, 10) }), acc('b', { usage: usage(40) }), acc('c', { usage: usage(12) })],
      current: 'a',
      active: 'c',
      cooldown: ['a', NOW + 2 * H],
    },
    {
      title: 'usage-based: a full weekly window rests until the weekly reset',
      mode: 'usage-based',
      accounts: [acc('a', { usage: usage(10, 100) }), acc('b', { usage: usage(50) })],
      current: 'a',
      active: 'b',
      cooldown: ['a', NOW + 100 * H],
    },
    {
      title: 'usage-based: a threshold of 95 lets 90 % pass',
      mode: 'usage-based',
      threshold: 95,
      accounts: [acc('a', { usage: usage(90) }), acc('b')],
      current: 'a',
      active: 'a',
    },
    {
      title: 'a cooldown that expired makes the account usable again',
      mode: 'usage-based',
      accounts: [acc('a', { cooldownUntil: NOW - 1, usage: usage(5) }), acc('b', { usage: usage(50) })],
      current: 'a',
      active: 'a',
    },
    {
      title: 'an account in cooldown (429) is left for the next',
      mode: 'round-robin',
      accounts: [acc('a', { cooldownUntil: NOW + H }), acc('b'), acc('c')],
      current: 'a',
      active: 'b',
    },
    {
      title: 'round-robin wraps around',
      mode: 'round-robin',
      accounts: [acc('a'), acc('b'), acc('c', { cooldownUntil: NOW + H })],
      current: 'c',
      active: 'a',
    },
    {
      title: 'needs sign-in is skipped',
      mode: 'usage-based',
      accounts: [acc('a', { needsSignIn: true }), acc('b', { usage: usage(70) })],
      current: 'a',
      active: 'b',
    },
    {
      title: 'all exhausted: the one that resets first stays active',
      mode: 'usage-based',
      accounts: [
        acc('a', { usage: usage(100, 100) }),
        acc('b', { usage: usage(100) }),
        acc('c', { cooldownUntil: NOW + 50 * H }),
      ],
      current: 'a',
      active: 'b',
      all: true,
    },
    {
      title: 'no current account: usage-based starts with the most headroom',
      mode: 'usage-based',
      accounts: [acc('a', { needsSignIn: true }), acc('b', { usage: usage(30) }), acc('c', { usage: usage(20) })],
      active: 'c',
    },
    {
      title: 'unknown usage counts as half used, so a known low figure wins',
      mode: 'usage-based',
      accounts: [acc('a', { cooldownUntil: NOW + H }), acc('b'), acc('c', { usage: usage(49) })],
      current: 'a',
      active: 'c',
    },
  ];
  for (const r of rows) {
    it(r.title, () => {
      const d = decide(r.mode, r.threshold ?? 80, r.accounts, r.current, NOW);
      assert.equal(d.inUse, r.active, d.reason);
      if (r.cooldown) assert.equal(d.cooldowns[r.cooldown[0]], r.cooldown[1]);
      assert.equal(d.allExhausted, r.all ?? false);
    });
  }

  it('manual mode never switches, whatever happens, over 1,000 random situations', () => {
    for (let i = 0; i < 1000; i++) {
      const accounts = ['a', 'b', 'c'].map((n) =>
        acc(n, {
          usage: usage(Math.random() * 120),
          cooldownUntil: Math.random() < 0.5 ? NOW + H : undefined,
          needsSignIn: Math.random() < 0.2,
        }),
      );
      assert.equal(decide('manual', 80, accounts, ['a', 'b', 'c'][i % 3], NOW).inUse, 'a');
    }
  });

  it('round-robin is fair: 1,000 picks over 4 usable accounts (1 resting) give each 333 or 334', () => {
    const accounts = ['a', 'b', 'c', 'd'].map((n) => acc(n, { cooldownUntil: n === 'c' ? NOW + H : undefined }));
    const count: Record<string, number> = {};
    let last: string | undefined;
    for (let i = 0; i < 1000; i++) {
      last = nextInTurn(accounts, last, NOW);
      count[last!] = (count[last!] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(count).sort(), ['a', 'b', 'd']);
    for (const n of Object.values(count)) assert.ok(n === 333 || n === 334, JSON.stringify(count));
  });
});

describe('rotation: the active account that terminals and auth.json follow', () => {
  it('usage-based: the first account crosses the threshold → the second becomes active, terminal vars and auth.json follow, the log says why', async () => {
    const t = tempDir();
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    const oauth = (access: string) => ({
      type: 'oauth' as const,
      refresh: `rt-${access}`,
      access,
      expires: NOW + 8 * H,
    });
    await vault.add('anthropic', 'max-1', oauth('sk-ant-oat01-one'));
    await vault.add('anthropic', 'max-2', oauth('sk-ant-oat01-two'));
    const usages: Record<string, UsageSnapshot> = { 'max-1': usage(30), 'max-2': usage(10) };
    const logs: string[] = [];
    const quiet: Logger = {
      trace: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const deps = (mode: 'usage-based' | 'manual', s: MemorySecretStore = store): RotationDeps => ({
      vault,
      settings: { mode: () => mode, threshold: () => 80 },
      usage: (_p: string, a: string) => ({ snapshot: usages[a] }),
      store: s,
      log: quiet,
      now: () => NOW,
    });
    const rotation = new Rotation({
      ...deps('usage-based'),
      log: { ...quiet, info: (m: string) => void logs.push(m) },
    });
    await rotation.load();
    const changes: string[] = [];
    rotation.onDidChange((c) => void changes.push(`${c.from}→${c.to}`));
    const mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => join(t.dir, 'auth.json'),
      () => undefined,
      rotation,
    );
    rotation.evaluate();
    assert.equal(rotation.inUse('anthropic')?.name, 'max-1', 'the default starts');
    usages['max-1'] = usage(85, 20);
    rotation.evaluate('anthropic');
    assert.equal(rotation.inUse('anthropic')?.name, 'max-2');
    assert.deepEqual(changes, ['max-1→max-2']);
    assert.equal(rotation.cooldownOf('anthropic', 'max-1'), NOW + 2 * H, 'rests until its 5h window resets');
    assert.match(
      logs.join('\n'),
      /max-1 → max-2 \(max-1 is resting until .*max-2 has the most headroom \(10 % used\)\)/,
    );
    assert.deepEqual(
      terminalVariables(vault, rotation).map((v) => [v.variable, v.value]),
      [['ANTHROPIC_OAUTH_TOKEN', 'sk-ant-oat01-two']],
    );
    await mirror.sync();
    assert.equal(JSON.parse(readFileSync(join(t.dir, 'auth.json'), 'utf8')).anthropic.access, 'sk-ant-oat01-two');
    // Another window shares the state, so the same account is active there.
    await new Promise((r) => setTimeout(r, 10));
    const again = new Rotation(deps('usage-based', store.sibling()));
    await again.load();
    assert.equal(again.inUse('anthropic')?.name, 'max-2');
    const followed: string[] = [];
    again.watch();
    again.onDidChange((c) => void followed.push(`${c.from}→${c.to} (${c.reason})`));
    // By hand, and next in turn.
    await rotation.use('anthropic', 'max-1');
    assert.equal(rotation.inUse('anthropic')?.name, 'max-1');
    assert.equal(rotation.cooldownOf('anthropic', 'max-1'), undefined, 'choosing by hand lifts the rest');
    assert.equal(await rotation.next('anthropic'), 'max-2');
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      followed,
      ['max-2→max-1 (chosen in another window)', 'max-1→max-2 (chosen in another window)'],
      'the other window follows',
    );
    // Manual mode: the default, whatever the usage says.
    const manual = new Rotation(deps('manual'));
    await manual.load();
    manual.evaluate();
    assert.equal(manual.inUse('anthropic')?.name, 'max-1');
    t.cleanup();
  });
});

describe('rotation: a change of mode', () => {
  const setup = async () => {
    const t = tempDir();
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'A', { type: 'api_key', key: 'sk-ant-api03-AAAA-one' });
    await vault.add('anthropic', 'B', { type: 'api_key', key: 'sk-ant-api03-BBBB-two' });
    let mode: RotationMode = 'round-robin';
    const logs: string[] = [];
    const rotation = new Rotation({
      vault,
      settings: { mode: () => mode, threshold: () => 80 },
      usage: () => undefined,
      store,
      log: { trace: () => undefined, info: (m) => void logs.push(m), warn: (m) => void logs.push(m), error: () => 0 },
    });
    await rotation.load();
    const mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => join(t.dir, 'auth.json'),
      () => undefined,
      rotation,
    );
    const changes: { from?: string; to?: string; notice?: string }[] = [];
    rotation.onDidChange((c) => void changes.push({ from: c.from, to: c.to, notice: c.notice }));
    // What extension.ts does: every vault change re-decides.
    vault.onDidChange(() => rotation.evaluate());
    rotation.evaluate();
    const inAuthFile = async () => (
      await mirror.sync(),
      JSON.parse(readFileSync(join(t.dir, 'auth.json'), 'utf8')).anthropic.key as string
    );
    return { t, vault, rotation, logs, changes, inAuthFile, setMode: (m: RotationMode) => (mode = m) };
  };

  it('choosing by hand the account already in use moves every pi session (a change by hand, from and to the same)', async () => {
    const w = await setup();
    try {
      const byHand: boolean[] = [];
      w.rotation.onDidChange((c) => void byHand.push(c.byHand === true));
      const current = w.rotation.inUse('anthropic')?.name ?? '';
      await w.rotation.use('anthropic', current);
      assert.deepEqual(byHand, [true]);
      assert.equal(w.changes.at(-1)?.to, current);
      assert.ok(w.logs.some((l) => l.includes('every pi session uses it')));
    } finally {
      w.rotation.dispose();
      w.t.cleanup();
    }
  });

  it('round-robin → manual while the default rests: the account in use stays, becomes the default, and the log and a notice say so', async () => {
    const w = await setup();
    try {
      w.rotation.cooldown('anthropic', 'A', Date.now() + 600_000, 'pi request #1 answered 429');
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      assert.equal(await w.inAuthFile(), 'sk-ant-api03-BBBB-two');
      w.setMode('manual');
      w.rotation.evaluate(); // what a configuration change does
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B', 'at once, before the vault caught up');
      assert.equal(await w.inAuthFile(), 'sk-ant-api03-BBBB-two');
      await until(() => w.vault.inUse('anthropic')?.name === 'B');
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      assert.match(
        w.logs.join('\n'),
        /Active anthropic account stays B: rotation is now manual; B stays in use because A \(the default\) rests until /,
      );
      assert.match(
        w.changes.at(-1)?.notice ?? '',
        /^Rotation is now manual\. B stays in use: A \(the default\) rests until .*B is now the default account\.$/,
      );
      // Manual from here on: nothing moves by itself, A's rest ending included.
      w.rotation.evaluate();
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      await w.rotation.use('anthropic', 'A');
      assert.equal(w.rotation.inUse('anthropic')?.name, 'A', 'chosen by hand, resting or not');
    } finally {
      w.rotation.dispose();
      w.t.cleanup();
    }
  });

  it('round-robin → manual while the default can be used: the default comes back, with a log line', async () => {
    const w = await setup();
    try {
      await w.rotation.next('anthropic');
      assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
      w.setMode('manual');
      w.rotation.evaluate();
      assert.equal(w.rotation.inUse('anthropic')?.name, 'A');
      assert.equal(await w.inAuthFile(), 'sk-ant-api03-AAAA-one');
      assert.match(
        w.logs.join('\n'),
        /Active anthropic account: B → A \(rotation is now manual: the default account\)\./,
      );
      assert.deepEqual(w.changes.at(-1), { from: 'B', to: 'A', notice: undefined });
    } finally {
      w.rotation.dispose();
      w.t.cleanup();
    }
  });
});

describe('coalesced', () => {
  it('runs once for calls in the same turn, and again in the next', async () => {
    let runs = 0;
    const f = coalesced(() => void runs++);
    f();
    f();
    f();
    assert.equal(runs, 0, 'deferred to the end of the turn');
    await Promise.resolve();
    assert.equal(runs, 1);
    f();
    await Promise.resolve();
    assert.equal(runs, 2);
  });
});

describe('rotation settings: checked once, again on a configuration change', () => {
  it('reads the configuration on first use and on reload only, and a wrong value falls back to the safe default', () => {
    let raw: RawRotationSettings = { mode: 'round-robin', modes: { anthropic: 'usage-based' }, threshold: 70 };
    let reads = 0;
    const s = new CachedRotationSettings(() => (reads++, raw));
    assert.equal(reads, 0, 'not read until first used (activate() builds it)');
    for (let i = 0; i < 1000; i++) s.mode('anthropic');
    assert.equal(reads, 1, 'one read however many lookups');
    assert.deepEqual([s.mode('anthropic'), s.mode('openai'), s.threshold()], ['usage-based', 'round-robin', 70]);
    raw = { mode: 'sideways', modes: { anthropic: 'nonsense' }, threshold: 400 };
    assert.equal(s.mode('anthropic'), 'usage-based', 'unchanged until the configuration changes');
    s.reload();
    assert.deepEqual([s.mode('anthropic'), s.mode('openai'), s.threshold()], ['manual', 'manual', 80]);
  });
});
