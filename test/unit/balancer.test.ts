// The balancer: the pick as a pure function (property tests), the decision in balancer mode, and
// in-flight counts from pi's companion (its start/end messages through the real channel) and
// from the model bridge.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { headroomOf, pick, ranked, weightOf } from '../../src/core/rotation/balancer';
import type { Candidate } from '../../src/core/rotation/candidate';
import { decide } from '../../src/core/rotation/policy';
import { InFlight, STALE_MS } from '../../src/core/rotation/in-flight';
import { CachedRotationSettings } from '../../src/core/rotation/settings';
import { requestSchema } from '../../src/core/pi-link/protocol';
import { piWindow } from './pi-window';
import { Rotation } from '../../src/core/rotation/rotation';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { feedbackInto } from '../../src/core/outlet';
import { MemorySecretStore } from './helpers';

const NOW = 1_800_000_000_000;

const candidate = (i: number) =>
  fc.record({
    name: fc.constant(`acct${i}`),
    isDefault: fc.constant(i === 0),
    needsSignIn: fc.boolean(),
    disabled: fc.boolean(),
    used: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    health: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    resting: fc.boolean(),
    inFlight: fc.integer({ min: 0, max: 4 }),
  });

const toCandidate = (r: {
  name: string;
  isDefault: boolean;
  needsSignIn: boolean;
  disabled: boolean;
  used?: number;
  health?: number;
  resting: boolean;
  inFlight: number;
}): Candidate => ({
  name: r.name,
  isDefault: r.isDefault,
  needsSignIn: r.needsSignIn,
  disabled: r.disabled,
  usage:
    r.used === undefined
      ? undefined
      : { windows: [{ label: '5h', usedPercent: r.used, resetsAt: NOW + 3_600_000 }], fetchedAt: NOW },
  health: r.health,
  cooldownUntil: r.resting ? NOW + 60_000 : undefined,
  inFlight: r.inFlight,
});

const pool = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidate(i))))
  .map((rs) => rs.map(toCandidate));

const usableOf = (c: Candidate) => !c.needsSignIn && !c.disabled && !((c.cooldownUntil ?? 0) > NOW);

describe('balancer: the pick', () => {
  it('never picks a cooling, refused or disabled account; picks one whenever one is usable', () => {
    fc.assert(
      fc.property(pool, fc.integer({ min: 1, max: 3 }), (cs, limit) => {
        const p = pick(cs, limit, NOW);
        const ok = cs.filter(usableOf);
        if (!ok.length) return p === undefined;
        const c = cs.find((x) => x.name === p?.name);
        return c !== undefined && usableOf(c);
      }),
      { numRuns: 2000 },
    );
  });

  it('never above the concurrency limit when another key is free', () => {
    fc.assert(
      fc.property(pool, fc.integer({ min: 1, max: 3 }), (cs, limit) => {
        const p = pick(cs, limit, NOW);
        const free = cs.filter((c) => usableOf(c) && (c.inFlight ?? 0) < limit);
        return !free.length || (p !== undefined && p.inFlight < limit);
      }),
      { numRuns: 2000 },
    );
  });

  it('weights follow headroom: with in-flight and health equal, the pick has the most headroom; more headroom never weighs less', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (used, inFlight, health) => {
          const cs = used.map((u, i) =>
            toCandidate({
              name: `a${i}`,
              isDefault: i === 0,
              needsSignIn: false,
              disabled: false,
              used: u,
              health,
              resting: false,
              inFlight,
            }),
          );
          const p = pick(cs, 9, NOW)!;
          const most = Math.max(...cs.map(headroomOf));
          const picked = cs.find((c) => c.name === p.name)!;
          const order = ranked(cs, 9, NOW).map((w) => headroomOf(cs.find((c) => c.name === w.name)!));
          return headroomOf(picked) === most && order.every((h, i) => i === 0 || order[i - 1] >= h);
        },
      ),
      { numRuns: 1000 },
    );
    // And the formula itself: headroom × 1/(in flight + 1) × health.
    const c = toCandidate({
      name: 'x',
      isDefault: false,
      needsSignIn: false,
      disabled: false,
      used: 40,
      health: 0.5,
      resting: false,
      inFlight: 1,
    });
    assert.equal(weightOf(c), 0.6 * 0.5 * 0.5);
  });

  it('figures: picks over three accounts as requests start and end', () => {
    const acct = (name: string, used: number, health: number, inFlight: number) =>
      toCandidate({
        name,
        isDefault: name === 'A',
        needsSignIn: false,
        disabled: false,
        used,
        health,
        resting: false,
        inFlight,
      });
    const rows: [string, Candidate[]][] = [
      ['idle: A 20 % used, B 50 %, C 80 %', [acct('A', 20, 0.9, 0), acct('B', 50, 0.9, 0), acct('C', 80, 0.9, 0)]],
      ['A has 1 in flight', [acct('A', 20, 0.9, 1), acct('B', 50, 0.9, 0), acct('C', 80, 0.9, 0)]],
      ['A and B have 1 each', [acct('A', 20, 0.9, 1), acct('B', 50, 0.9, 1), acct('C', 80, 0.9, 0)]],
      ['all three busy', [acct('A', 20, 0.9, 1), acct('B', 50, 0.9, 1), acct('C', 80, 0.9, 1)]],
      ['idle, A unhealthy (0.2)', [acct('A', 20, 0.2, 0), acct('B', 50, 0.9, 0), acct('C', 80, 0.9, 0)]],
    ];
    const lines = rows.map(([what, cs]) => {
      const r = ranked(cs, 1, NOW);
      return `${what}: ${r.map((w) => `${w.name} ${w.weight.toFixed(3)}`).join(' > ')} → ${r[0].name}`;
    });
    console.log(`      ${lines.join('\n      ')}`);
    assert.deepEqual(
      rows.map(([, cs]) => pick(cs, 1, NOW)?.name),
      ['A', 'B', 'C', 'A', 'B'],
    );
  });
});

describe('balancer mode: the account in use', () => {
  const acct = (name: string, inFlight: number, used = 10): Candidate => ({
    name,
    isDefault: name === 'A',
    inFlight,
    usage: { windows: [{ label: '5h', usedPercent: used, resetsAt: NOW + 3_600_000 }], fetchedAt: NOW },
  });

  it('stays while the account in use is within its limit; one over it hands on to a free one, never to one as busy', () => {
    assert.equal(decide('balancer', 80, [acct('A', 0), acct('B', 0, 0)], 'A', NOW).inUse, 'A', 'idle');
    assert.equal(
      decide('balancer', 80, [acct('A', 1), acct('B', 0)], 'A', NOW).inUse,
      'A',
      'at the limit: not per request',
    );
    const busy = decide('balancer', 80, [acct('A', 2), acct('B', 0)], 'A', NOW);
    assert.equal(busy.inUse, 'B');
    assert.match(busy.reason, /A has 2 request\(s\) in flight \(limit 1\); B weighs most/);
    assert.equal(decide('balancer', 80, [acct('A', 2), acct('B', 2)], 'A', NOW).inUse, 'A');
    assert.equal(decide('balancer', 80, [acct('A', 2), acct('B', 0)], 'A', NOW, 2).inUse, 'A', 'limit 2');
    // The threshold applies as in usage-based mode.
    const over = decide('balancer', 80, [acct('A', 0, 90), acct('B', 0, 30)], 'A', NOW);
    assert.equal(over.inUse, 'B');
    assert.ok(over.cooldowns.A > NOW);
  });

  it('the setting: balancer mode and maxInFlightPerAccount (default 1; a wrong value is 1)', () => {
    const s = (raw: object) =>
      new CachedRotationSettings(() => ({ mode: 'balancer', modes: {}, threshold: 80, ...raw }));
    assert.equal(s({}).mode('x'), 'balancer');
    assert.equal(s({}).maxInFlightPerAccount(), 1);
    assert.equal(s({ maxInFlightPerAccount: 3 }).maxInFlightPerAccount(), 3);
    assert.equal(s({ maxInFlightPerAccount: 0 }).maxInFlightPerAccount(), 1);
    assert.equal(s({ maxInFlightPerAccount: 'many' }).maxInFlightPerAccount(), 1);
  });

  it('in-flight counts: start/end per owner, a gone pi drops its requests, a lost end expires', () => {
    let now = NOW;
    const f = new InFlight(() => now);
    f.start('anthropic', 'A', 'pi 1', '1');
    f.start('anthropic', 'A', 'pi 2', '1');
    f.start('anthropic', 'B', 'bridge', '1');
    assert.deepEqual([f.count('anthropic', 'A'), f.count('anthropic', 'B')], [2, 1]);
    f.end('pi 1', '1');
    assert.equal(f.count('anthropic', 'A'), 1);
    assert.deepEqual(f.drop('pi 2'), ['anthropic']);
    assert.equal(f.count('anthropic', 'A'), 0);
    now += STALE_MS + 1;
    assert.equal(f.count('anthropic', 'B'), 0, 'an end that never came');
  });

  it("pi's start/end through the feedback port move the account in use in balancer mode (and the message is checked)", async () => {
    const w = await piWindow();
    // piWindow's rotation is round-robin; a balancer one over the same vault:
    const rotation = new Rotation({
      vault: w.vault,
      settings: { mode: () => 'balancer', threshold: () => 80, maxInFlightPerAccount: () => 1 },
      store: new MemorySecretStore(),
      log: w.log,
    });
    rotation.evaluate();
    const pi = new PiFeedback({
      vault: w.vault,
      rotation,
      mode: () => 'balancer',
      feedback: feedbackInto({ vault: w.vault, rotation, usageSeen: () => undefined }),
      refresh: async () => undefined,
      tellRateLimited: () => undefined,
      log: w.log,
    });
    const msg = (phase: 'start' | 'end', id: number, pid = 7) =>
      requestSchema.parse({
        v: 1,
        type: 'request',
        phase,
        pid,
        id,
        provider: 'anthropic',
        key: w.keyOf('A'),
        session: 's1',
      });
    assert.equal(rotation.inUse('anthropic')?.name, 'A');
    pi.request(msg('start', 1));
    assert.equal(rotation.inFlightOf('anthropic', 'A'), 1);
    assert.equal(rotation.inUse('anthropic')?.name, 'A', 'one pi at work: no switch per request');
    pi.request(msg('start', 2, 8));
    assert.equal(rotation.inFlightOf('anthropic', 'A'), 2);
    assert.equal(rotation.inUse('anthropic')?.name, 'B', 'A is over its limit: the next request goes to B');
    pi.request(msg('end', 1));
    assert.equal(rotation.inFlightOf('anthropic', 'A'), 1);
    pi.gone(8);
    assert.equal(rotation.inFlightOf('anthropic', 'A'), 0, 'a pi that disconnected');
    assert.equal(
      requestSchema.safeParse({ v: 1, type: 'request', phase: 'middle', pid: 1, id: 1, provider: 'x' }).success,
      false,
    );
    rotation.dispose();
    w.rotation.dispose();
  });
});
