import assert from 'node:assert/strict';
import type { UsageSnapshot } from '../../src/core/quota/usage';
import { decide, nextInTurn, type Candidate, type RotationMode } from '../../src/core/rotation/policy';

const NOW = 1_800_000_000_000;
const H = 3_600_000;
const usage = (...pcts: number[]): UsageSnapshot => ({ fetchedAt: NOW, windows: pcts.map((p, i) => ({ label: i ? '7d' : '5h', usedPercent: p, resetsAt: NOW + (i ? 100 : 2) * H })) });
const acc = (name: string, o: Partial<Candidate> = {}): Candidate => ({ name, isDefault: name === 'a', ...o });

describe('rotation policy', () => {
  const rows: { title: string; mode: RotationMode; threshold?: number; accounts: Candidate[]; current?: string; active: string; cooldown?: [string, number]; all?: boolean }[] = [
    { title: 'manual keeps the default even when it is exhausted', mode: 'manual', accounts: [acc('a', { usage: usage(100) }), acc('b', { usage: usage(0) })], current: 'b', active: 'a' },
    { title: 'usage-based keeps the active account below the threshold', mode: 'usage-based', accounts: [acc('a', { usage: usage(79) }), acc('b', { usage: usage(0) })], current: 'a', active: 'a' },
    { title: 'usage-based: over the threshold it rests until its window resets; most headroom wins', mode: 'usage-based', accounts: [acc('a', { usage: usage(81, 10) }), acc('b', { usage: usage(40) }), acc('c', { usage: usage(12) })], current: 'a', active: 'c', cooldown: ['a', NOW + 2 * H] },
    { title: 'usage-based: a full weekly window rests until the weekly reset', mode: 'usage-based', accounts: [acc('a', { usage: usage(10, 100) }), acc('b', { usage: usage(50) })], current: 'a', active: 'b', cooldown: ['a', NOW + 100 * H] },
    { title: 'usage-based: a threshold of 95 lets 90 % pass', mode: 'usage-based', threshold: 95, accounts: [acc('a', { usage: usage(90) }), acc('b')], current: 'a', active: 'a' },
    { title: 'a cooldown that expired makes the account usable again', mode: 'usage-based', accounts: [acc('a', { cooldownUntil: NOW - 1, usage: usage(5) }), acc('b', { usage: usage(50) })], current: 'a', active: 'a' },
    { title: 'an account in cooldown (429) is left for the next', mode: 'round-robin', accounts: [acc('a', { cooldownUntil: NOW + H }), acc('b'), acc('c')], current: 'a', active: 'b' },
    { title: 'round-robin wraps around', mode: 'round-robin', accounts: [acc('a'), acc('b'), acc('c', { cooldownUntil: NOW + H })], current: 'c', active: 'a' },
    { title: 'needs sign-in is skipped', mode: 'usage-based', accounts: [acc('a', { needsSignIn: true }), acc('b', { usage: usage(70) })], current: 'a', active: 'b' },
    { title: 'all exhausted: the one that resets first stays active', mode: 'usage-based', accounts: [acc('a', { usage: usage(100, 100) }), acc('b', { usage: usage(100) }), acc('c', { cooldownUntil: NOW + 50 * H })], current: 'a', active: 'b', all: true },
    { title: 'no current account: usage-based starts with the most headroom', mode: 'usage-based', accounts: [acc('a', { needsSignIn: true }), acc('b', { usage: usage(30) }), acc('c', { usage: usage(20) })], active: 'c' },
    { title: 'unknown usage counts as half used, so a known low figure wins', mode: 'usage-based', accounts: [acc('a', { cooldownUntil: NOW + H }), acc('b'), acc('c', { usage: usage(49) })], current: 'a', active: 'c' },
  ];
  for (const r of rows) {
    it(r.title, () => {
      const d = decide(r.mode, r.threshold ?? 80, r.accounts, r.current, NOW);
      assert.equal(d.active, r.active, d.reason);
      if (r.cooldown) assert.equal(d.cooldowns[r.cooldown[0]], r.cooldown[1]);
      assert.equal(d.allExhausted, r.all ?? false);
    });
  }

  it('manual mode never switches, whatever happens, over 1,000 random situations', () => {
    for (let i = 0; i < 1000; i++) {
      const accounts = ['a', 'b', 'c'].map((n) => acc(n, { usage: usage(Math.random() * 120), cooldownUntil: Math.random() < 0.5 ? NOW + H : undefined, needsSignIn: Math.random() < 0.2 }));
      assert.equal(decide('manual', 80, accounts, ['a', 'b', 'c'][i % 3], NOW).active, 'a');
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
