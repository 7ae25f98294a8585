// Health per account (issue 27, item 1): the formula as a pure function, its bounds as
// properties, and its one use in rotation: the tie-breaker of usage-based choice.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeHealth, health, HEALTH_WINDOW, type Outcome } from '../../src/core/rotation/health';
import { decide, type Candidate } from '../../src/core/rotation/policy';
import { Rotation } from '../../src/core/rotation/rotation';
import { classify } from '../../src/core/rotation/cooldown';
import { Vault } from '../../src/core/vault';
import { KEY_A, MemorySecretStore } from './helpers';

const NOW = 1_800_000_000_000;
const H = 3_600_000;
const ok = (ms?: number): Outcome => ({ at: NOW, ok: true, ms });
const bad: Outcome = { at: NOW, ok: false };
const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe('health: the formula', () => {
  it('nothing seen yet: 0.6 (half marks for success, speed and recovery; never rested)', () => {
    near(health([], [], NOW).score, 0.4 * 0.5 + 0.2 * 0.5 + 0.2 * 1 + 0.2 * 0.5);
  });

  it('50 successes at 1.5 s, no rest: 0.4 + 0.2 × 0.95 + 0.2 + 0.2 = 0.99', () => {
    const h = health(Array(50).fill(ok(1500)), [], NOW);
    near(h.score, 0.99);
    assert.deepEqual([h.answers, h.succeeded, h.medianMs, h.streak, h.resting], [50, 50, 1500, 50, 0]);
  });

  it('5 successes at 3 s then 5 failures, 6 h of the last day resting: 0.2 + 0.18 + 0.15 + 0 = 0.53', () => {
    const h = health(
      [...Array(5).fill(ok(3000)), ...Array(5).fill(bad)],
      [{ from: NOW - 8 * H, until: NOW - 2 * H }],
      NOW,
    );
    near(h.score, 0.53);
    assert.equal(
      describeHealth(h),
      'Health 53 %: 5 of 10 answers succeeded, median 3.0 s, resting 25 % of the last day, 0 in a row',
    );
  });

  it('counts only the last 50 answers, overlapping rests once, and rests older than a day not at all', () => {
    const h = health([...Array(100).fill(bad), ...Array(50).fill(ok())], [], NOW);
    assert.deepEqual([h.answers, h.succeeded], [HEALTH_WINDOW, 50]);
    const rests = [
      { from: NOW - 4 * H, until: NOW - 2 * H },
      { from: NOW - 3 * H, until: NOW - H },
      { from: NOW - 30 * H, until: NOW - 25 * H },
      { from: NOW - 30 * H, until: NOW - 23 * H },
    ];
    near(health([], rests, NOW).resting, 4 / 24); // 3 h of the overlapping pair, 1 h of the one that crosses a day
  });

  it('property: the score stays within 0 … 1 and a failure never raises it, a success never lowers it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: HEALTH_WINDOW - 1 }),
        fc.array(fc.record({ from: fc.integer({ min: -48 * H, max: 0 }), len: fc.nat(30 * H) }), { maxLength: 5 }),
        (answers, raw) => {
          const list = answers.map((x) => (x ? ok() : bad));
          const rests = raw.map((r) => ({ from: NOW + r.from, until: NOW + r.from + r.len }));
          const s = health(list, rests, NOW).score;
          const worse = health([...list, bad], rests, NOW).score;
          const better = health([...list, ok()], rests, NOW).score;
          return s >= 0 && s <= 1 && worse <= s + 1e-12 && better >= s - 1e-12;
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('health in rotation', () => {
  const c = (name: string, used: number, h?: number): Candidate => ({
    name,
    isDefault: name === 'a',
    health: h,
    usage: { fetchedAt: NOW, windows: [{ label: '5h', usedPercent: used, resetsAt: NOW + H }] },
  });

  it('usage-based: equal headroom goes to the healthier account; more headroom still wins over health', () => {
    const rest = { name: 'a', isDefault: true, cooldownUntil: NOW + H };
    assert.equal(decide('usage-based', 80, [rest, c('b', 20, 0.4), c('c', 20, 0.9)], 'a', NOW).inUse, 'c');
    assert.match(decide('usage-based', 80, [rest, c('b', 20, 0.4), c('c', 20, 0.9)], 'a', NOW).reason, /health 90 %/);
    assert.equal(decide('usage-based', 80, [rest, c('b', 10, 0.4), c('c', 20, 0.9)], 'a', NOW).inUse, 'b');
  });

  it("fed from the feedback port: failures lower an account's health, and usage-based rotation then prefers the other", async () => {
    let now = NOW;
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    for (const n of ['a', 'b', 'c']) await vault.add('anthropic', n, { type: 'api_key', key: `${KEY_A}${n}` });
    const quiet = { trace: () => 0, info: () => 0, warn: () => 0, error: () => 0 };
    const rotation = new Rotation({
      vault,
      settings: { mode: () => 'usage-based', threshold: () => 80 },
      store,
      log: quiet,
      now: () => now,
    });
    rotation.evaluate();
    for (let i = 0; i < 10; i++) rotation.succeeded('anthropic', 'b', 800);
    for (let i = 0; i < 10; i++) rotation.succeeded('anthropic', 'c', 800);
    // c: transient failures, each rest over before the next.
    for (let i = 0; i < 3; i++) {
      rotation.failed('anthropic', 'c', classify({ status: 503 }), 'test');
      now = rotation.cooldownOf('anthropic', 'c')! + 1;
    }
    const [hb, hc] = [rotation.healthOf('anthropic', 'b')!, rotation.healthOf('anthropic', 'c')!];
    assert.ok(hb.score > hc.score, `${describeHealth(hb)} vs ${describeHealth(hc)}`);
    rotation.failed('anthropic', 'a', classify({ status: 429 }), 'test');
    assert.equal(rotation.inUse('anthropic')?.name, 'b', 'no usage figures: health decides');
    console.log(`      b: ${describeHealth(hb)}\n      c: ${describeHealth(hc)}`);
    rotation.dispose();
  });
});
