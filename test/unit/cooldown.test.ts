// Cooldown classes (issue 27, item 2): the classifier and the rests as pure functions, rotation's
// choice as properties over random situations (fast-check), and the feedback port acting on each
// class as pi reports it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classify, MAX_WAIT_MS, restMs, type FailureClass, type FailureInput } from '../../src/core/rotation/cooldown';
import { decide, usable, type Candidate } from '../../src/core/rotation/policy';
import { Rotation } from '../../src/core/rotation/rotation';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { fingerprint } from '../../src/core/pi-link/protocol';
import { feedbackInto } from '../../src/core/outlet';
import { Vault } from '../../src/core/vault';
import { KEY_A, MemorySecretStore } from './helpers';
import { report } from './pi-window';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

describe('cooldown classes: the classifier', () => {
  const rows: [FailureInput, FailureClass, string?][] = [
    [
      { status: 429, text: '429 {"type":"error","error":{"type":"rate_limit_error","message":"emulated"}}' },
      'rate-limit',
    ],
    [{ status: 429, text: 'Rate limit reached. Please try again in 10m0s.' }, 'rate-limit'],
    [{ status: 429, text: 'You exceeded your current quota, please check your plan and billing details.' }, 'quota'],
    [{ status: 429, text: '{"error":{"status":"RESOURCE_EXHAUSTED"}}' }, 'quota'],
    [{ status: 429, text: "You've reached your weekly usage limit." }, 'weekly-quota'],
    [{ status: 429, headers: { 'anthropic-ratelimit-unified-7d-utilization': '1.0' } }, 'weekly-quota'],
    [{ status: 429, headers: { 'x-codex-secondary-used-percent': '100' } }, 'weekly-quota'],
    [{ status: 529, text: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }, 'transient'],
    [{ status: 503, text: 'Service Unavailable' }, 'transient'],
    [{ status: 500 }, 'transient'],
    [{ status: 402, text: 'Insufficient Balance' }, 'disabled', 'no-balance'],
    [
      {
        status: 400,
        text: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing.',
      },
      'disabled',
      'no-balance',
    ],
    [{ status: 400, text: 'This organization has been disabled.' }, 'disabled', 'organisation-disabled'],
    [{ status: 403, text: 'Your organisation was deactivated' }, 'disabled', 'organisation-disabled'],
    [{ status: 401, text: 'invalid x-api-key' }, 'disabled', 'refused-key'],
    [{ status: 403, text: 'permission_error' }, 'disabled', 'refused-key'],
    [{ status: 400, text: 'prompt is too long: 212000 tokens > 200000 maximum' }, 'request'],
    [{ status: 400, text: "This model's maximum context length is 128000 tokens." }, 'request'],
    [
      { status: 429, text: 'Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 45000.' },
      'request',
    ],
    [{ status: 400, text: 'invalid_request_error: messages: field required' }, 'request'],
    [{ status: 404, text: 'model not found' }, 'request'],
    [{ status: 409 }, 'other'],
  ];
  for (const [input, cls, cause] of rows)
    it(`${input.status} ${input.text ?? JSON.stringify(input.headers ?? {})} → ${cls}${cause ? ` (${cause})` : ''}`, () => {
      const f = classify(input);
      assert.equal(f.class, cls, f.reason);
      assert.equal(f.cause, cause);
      if (cls === 'disabled') assert.match(f.action ?? '', /\.$/, 'says what fixes it');
    });

  it("rests: rate-limit 60 s, quota 1 h, transient 15 s → 15 min doubling, weekly 12 → 24 → 48 → 72 h; the provider's wait first", () => {
    const rest = (input: FailureInput, strikes: number[]) => strikes.map((n) => restMs(classify(input), n));
    assert.deepEqual(rest({ status: 429 }, [1, 5]), [60 * S, 60 * S]);
    assert.deepEqual(rest({ status: 429, text: 'insufficient_quota' }, [1, 3]), [H, H]);
    assert.deepEqual(rest({ status: 503 }, [1, 2, 3, 4, 5, 6, 7, 50]), [
      15 * S,
      30 * S,
      60 * S,
      120 * S,
      240 * S,
      480 * S,
      900 * S,
      900 * S,
    ]);
    assert.deepEqual(rest({ status: 429, text: 'weekly limit' }, [1, 2, 3, 4, 9]), [
      12 * H,
      24 * H,
      48 * H,
      72 * H,
      72 * H,
    ]);
    assert.deepEqual(rest({ status: 429, text: 'Please try again in 10m0s.' }, [1]), [10 * MIN]);
    assert.deepEqual(rest({ status: 429, text: 'weekly limit; resets in 30 hours' }, [1]), [30 * H]);
    assert.deepEqual(
      rest({ status: 429, waitMs: 600 * S, text: 'try again in 5s' }, [1]),
      [600 * S],
      'the header wait wins',
    );
    assert.deepEqual(rest({ status: 429, waitMs: 0 }, [1]), [S], 'Retry-After: 0 still moves rotation on');
    assert.deepEqual(rest({ status: 429, waitMs: 1e15 }, [1]), [MAX_WAIT_MS], 'an absurd wait is clamped');
    for (const input of [{ status: 402 }, { status: 400, text: 'context length exceeded' }, { status: 409 }])
      assert.equal(restMs(classify(input), 1), undefined, JSON.stringify(input));
  });

  it('property: a context-too-long or invalid request never rotates, whatever else the text says', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(400, 413, 422),
        fc.constantFrom('context_length_exceeded', 'prompt is too long', 'invalid_request_error: bad field'),
        fc.string({ maxLength: 40 }),
        (status, fault, noise) => {
          const f = classify({ status, text: `${noise} ${fault} ${noise}` });
          // A balance or organisation message in the noise would be a different, disabling error.
          return f.class === 'request' || f.class === 'disabled';
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: every rest lies between 1 s and the longest wait, and transient and weekly rests never shrink with more strikes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(429, 500, 502, 503, 529),
        fc.constantFrom('', 'weekly', 'insufficient_quota', 'overloaded'),
        fc.option(fc.double({ min: -1e13, max: 1e13, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 1, max: 40 }),
        (status, text, waitMs, n) => {
          const f = classify({ status, text, waitMs });
          const a = restMs(f, n)!;
          const b = restMs(f, n + 1)!;
          return a >= S && a <= MAX_WAIT_MS && b >= a;
        },
      ),
      { numRuns: 1000 },
    );
  });
});

const NOW = 1_800_000_000_000;
const candidate = fc.record({
  cooldown: fc.option(fc.integer({ min: -H, max: 100 * H }), { nil: undefined }),
  needsSignIn: fc.boolean(),
  disabled: fc.boolean(),
  used: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
});

describe('cooldown classes: rotation never picks a cooling or disabled account (properties)', () => {
  it('decide: in round-robin and usage-based, whenever some account can be used, the active one can', () => {
    fc.assert(
      fc.property(
        fc.array(candidate, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('round-robin' as const, 'usage-based' as const),
        fc.nat(),
        (raw, mode, cur) => {
          const list: Candidate[] = raw.map((r, i) => ({
            name: `a${i}`,
            isDefault: i === 0,
            needsSignIn: r.needsSignIn,
            disabled: r.disabled,
            cooldownUntil: r.cooldown === undefined ? undefined : NOW + r.cooldown,
            usage:
              r.used === undefined
                ? undefined
                : { fetchedAt: NOW, windows: [{ label: '5h', usedPercent: r.used, resetsAt: NOW + H }] },
          }));
          const d = decide(mode, 80, list, list[cur % list.length].name, NOW);
          // In usage-based mode an account over the threshold rests too (the decision's cooldowns).
          const after = list.map((c) => ({ ...c, cooldownUntil: d.cooldowns[c.name] ?? c.cooldownUntil }));
          const chosen = after.find((c) => c.name === d.inUse)!;
          if (after.some((c) => usable(c, NOW))) return usable(chosen, NOW) && !d.allExhausted;
          // Nobody usable: a signed-in, enabled account is kept when there is one.
          return (
            d.allExhausted &&
            (after.every((c) => c.needsSignIn || c.disabled) || (!chosen.needsSignIn && !chosen.disabled))
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('Rotation: any sequence of classified failures and successes through the feedback port leaves a usable account active whenever there is one', async () => {
    const classes: FailureInput[] = [
      { status: 429 },
      { status: 429, text: 'insufficient_quota' },
      { status: 429, text: 'weekly limit' },
      { status: 529, text: 'overloaded' },
      { status: 402 },
      { status: 400, text: 'This organization has been disabled.' },
      { status: 400, text: 'prompt is too long' },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ who: fc.nat(2), what: fc.nat(classes.length), dt: fc.nat(20 * MIN) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (steps) => {
          let now = NOW;
          const store = new MemorySecretStore();
          const vault = new Vault(store);
          await vault.load();
          for (const n of ['a', 'b', 'c']) await vault.add('anthropic', n, { type: 'api_key', key: `${KEY_A}${n}` });
          const quiet = { trace: () => 0, info: () => 0, warn: () => 0, error: () => 0 };
          const rotation = new Rotation({
            vault,
            settings: { mode: () => 'round-robin', threshold: () => 80 },
            store,
            log: quiet,
            now: () => now,
          });
          const port = feedbackInto({ vault, rotation, usageSeen: () => undefined });
          for (const s of steps) {
            now += s.dt;
            const name = ['a', 'b', 'c'][s.who];
            if (s.what === classes.length) port.succeeded('anthropic', name);
            else port.failed('anthropic', name, classify(classes[s.what]), 'test');
            rotation.evaluate('anthropic');
            const any = ['a', 'b', 'c'].some((n) => !rotation.holdOf('anthropic', n));
            const active = rotation.inUse('anthropic')!.name;
            if (any && rotation.holdOf('anthropic', active)) return false;
          }
          rotation.dispose();
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('cooldown classes: what pi reports, and what rotation does', () => {
  const setup = async () => {
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'A', { type: 'api_key', key: `${KEY_A}A` });
    await vault.add('anthropic', 'B', { type: 'api_key', key: `${KEY_A}B` });
    const lines: string[] = [];
    const log = {
      trace: () => undefined,
      info: (m: string) => void lines.push(m),
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    };
    const rotation = new Rotation({ vault, settings: { mode: () => 'round-robin', threshold: () => 80 }, store, log });
    const notices: string[] = [];
    rotation.onDidChange((c) => c.notice && notices.push(c.notice));
    const feedback = new PiFeedback({
      vault,
      rotation,
      mode: () => 'round-robin',
      feedback: feedbackInto({ vault, rotation, usageSeen: () => undefined }),
      refresh: async () => undefined,
      tellRateLimited: () => undefined,
      log,
    });
    const send = (status: number, error?: string, who = 'A', seq = 1) =>
      feedback.report(report({ status, error, seq, key: fingerprint(`${KEY_A}${who}`), wantsAck: status >= 400 }));
    return { vault, rotation, feedback, lines, notices, send };
  };

  it('figures: switches per class and requests until the switch, as the feedback port decides them', async () => {
    const cases: [string, number, string | undefined, number][] = [
      // [what, status, pi's error text, switches expected after one report]
      ['rate-limit', 429, '429 rate_limit_error', 1],
      ['quota', 429, '429 You exceeded your current quota', 1],
      ['weekly quota', 429, "429 You've hit your weekly usage limit", 1],
      ['transient', 529, '529 {"type":"overloaded_error"}', 1],
      ['no balance', 402, '402 Insufficient Balance', 1],
      ['organisation disabled', 400, '400 This organization has been disabled.', 1],
      ['context too long', 400, '400 prompt is too long: 212000 tokens > 200000 maximum', 0],
      ['invalid request', 400, '400 invalid_request_error: messages.0.content: field required', 0],
    ];
    const figures: string[] = [];
    for (const [what, status, error, switches] of cases) {
      const w = await setup();
      let seen = 0;
      w.rotation.onDidChange((c) => c.from !== c.to && seen++);
      const d = await w.send(status, error);
      const rest = w.rotation.holdOf('anthropic', 'A');
      figures.push(
        `${what}: ${seen} switch(es) after 1 request; ${rest?.until ? `rests ${Math.round((rest.until - Date.now()) / 1000)} s` : rest?.cause ? `disabled (${rest.cause})` : 'no rest'}`,
      );
      assert.equal(seen, switches, `${what}: ${d.summary}`);
      assert.equal(w.rotation.inUse('anthropic')?.name, switches ? 'B' : 'A', what);
      assert.equal(d.reload, switches === 1, what);
      w.rotation.dispose();
    }
    console.log(`      ${figures.join('\n      ')}`);
  });

  it('a transient failure rests 15 s, 30 s, 60 s for each new episode, and a success starts again from 15 s', async () => {
    let now = NOW;
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'A', { type: 'api_key', key: KEY_A });
    const quiet = { trace: () => 0, info: () => 0, warn: () => 0, error: () => 0 };
    const rotation = new Rotation({
      vault,
      settings: { mode: () => 'round-robin', threshold: () => 80 },
      store,
      log: quiet,
      now: () => now,
    });
    const overloaded = classify({ status: 529, text: 'overloaded' });
    const rests: number[] = [];
    for (let i = 0; i < 3; i++) {
      rests.push(rotation.failed('anthropic', 'A', overloaded, 'test')! - now);
      // The same episode (reported twice: a header hook and pi's message) does not grow the rest.
      rotation.failed('anthropic', 'A', overloaded, 'test again');
      now = rotation.cooldownOf('anthropic', 'A')! + 1;
    }
    rotation.succeeded('anthropic', 'A');
    rests.push(rotation.failed('anthropic', 'A', overloaded, 'test')! - now);
    assert.deepEqual(rests, [15 * S, 30 * S, 60 * S, 15 * S]);
    assert.match(
      rotation.holdOf('anthropic', 'A')?.reason ?? '',
      /^transient: the provider failed \(529\); rests 15 s; test/,
    );
    rotation.dispose();
  });

  it('disabled until you act: no timer ends it; the log, a notice and the tooltip name the fix; "Use This Account" or an answer ends it', async () => {
    const w = await setup();
    await w.send(402, '402 {"error":{"message":"Insufficient credits. Please add credits to continue."}}');
    assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
    const hold = w.rotation.holdOf('anthropic', 'A');
    assert.equal(hold?.cause, 'no-balance');
    assert.match(hold?.action ?? '', /Add credits .*"Use This Account"/);
    assert.match(
      w.lines.join('\n'),
      /anthropic\/A is disabled until you act: the balance is used up \(pi 7 request #1 answered 402\)\. Add credits/,
    );
    assert.match(w.notices.join('\n'), /account "A" is disabled until you act/);
    // B fails too: A is not taken back, however long it has been.
    await w.send(429, '429 rate_limit_error', 'B', 2);
    assert.ok(w.rotation.holdOf('anthropic', 'A')?.cause);
    assert.notEqual(w.rotation.inUse('anthropic')?.name, undefined);
    await w.rotation.use('anthropic', 'A');
    assert.equal(w.rotation.holdOf('anthropic', 'A'), undefined);
    assert.equal(w.rotation.inUse('anthropic')?.name, 'A');
    w.rotation.dispose();
  });
});

describe('the switch guardrail: at most N automatic switches per provider per hour', () => {
  const setup = async (max: number) => {
    let now = NOW;
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    for (const n of ['a', 'b', 'c']) await vault.add('anthropic', n, { type: 'api_key', key: `${KEY_A}${n}` });
    const lines: string[] = [];
    const log = { trace: () => 0, info: () => 0, warn: (m: string) => void lines.push(m), error: () => 0 };
    const rotation = new Rotation({
      vault,
      settings: { mode: () => 'round-robin', threshold: () => 80, maxSwitchesPerHour: () => max },
      store,
      log,
      now: () => now,
    });
    rotation.evaluate();
    const notices: string[] = [];
    let switches = 0;
    rotation.onDidChange((c) => (c.notice && notices.push(c.notice), c.from !== c.to && switches++));
    return {
      vault,
      rotation,
      lines,
      notices,
      switches: () => switches,
      tick: (ms: number) => (now += ms),
      now: () => now,
    };
  };

  it('a 429 every minute for an hour with three accounts: 4 switches (the default), then the account in use stays, told once', async () => {
    const w = await setup(4);
    const rl = classify({ status: 429 });
    let requests = 0;
    for (let i = 0; i < 60; i++) {
      requests++;
      w.rotation.failed('anthropic', w.rotation.inUse('anthropic')!.name, rl, `request ${i}`);
      w.tick(60_000);
    }
    assert.equal(w.switches(), 4, `${requests} requests`);
    assert.equal(w.notices.length, 1, w.notices.join('\n'));
    assert.match(w.notices[0], /switched anthropic accounts 4 times in the last hour and keeps "[abc]"/);
    assert.match(
      w.lines.join('\n'),
      /stays in use although it rests: 4 automatic switches in the last hour \(piAccounts\.rotation\.maxSwitchesPerHour\)/,
    );
    // An hour after the first switch, rotation moves on again.
    w.tick(10 * 60_000);
    w.rotation.failed('anthropic', w.rotation.inUse('anthropic')!.name, rl, 'later');
    assert.equal(w.switches(), 5);
    console.log(
      `      60 rate-limited requests in an hour, 3 accounts, limit 4: ${w.switches() - 1} switches in that hour`,
    );
    w.rotation.dispose();
  });

  it('switches by hand and moves away from a disabled account are neither counted nor held back; 0 means no limit', async () => {
    const w = await setup(1);
    w.rotation.failed('anthropic', 'a', classify({ status: 429 }), 'x');
    assert.equal(w.rotation.inUse('anthropic')?.name, 'b');
    w.rotation.failed('anthropic', 'b', classify({ status: 429 }), 'x');
    assert.equal(w.rotation.inUse('anthropic')?.name, 'b', 'held: one switch this hour');
    w.rotation.failed('anthropic', 'b', classify({ status: 402 }), 'x');
    assert.equal(w.rotation.inUse('anthropic')?.name, 'c', 'b cannot be used at all');
    await w.rotation.use('anthropic', 'a');
    assert.equal(w.rotation.inUse('anthropic')?.name, 'a', 'by hand, resting or not');
    const free = await setup(0);
    for (let i = 0; i < 10; i++)
      free.rotation.failed('anthropic', free.rotation.inUse('anthropic')!.name, classify({ status: 429 }), 'x');
    assert.ok(free.switches() >= 2, String(free.switches()));
    w.rotation.dispose();
    free.rotation.dispose();
  });
});
