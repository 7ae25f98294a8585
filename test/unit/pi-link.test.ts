import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../src/core/pi-link/channel-dir';
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { COMPANION_FILE, inspect, install, uninstall } from '../../src/core/pi-link/install';
import { fingerprint, lineReader, MAX_LINE } from '../../src/core/pi-link/protocol';
import { PiLinkServer } from '../../src/core/pi-link/server';
import { durationMs, restUntil, usageFromHeaders } from '../../src/core/pi-link/usage-headers';
import { UsageScheduler } from '../../src/core/usage-service/scheduler';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { isFault } from '../../src/core/faults';
import { KEY_A, MemorySecretStore, tempDir, until } from './helpers';
import { report } from './pi-window';
import { feedbackInto } from '../../src/core/outlet';
import { waitOf } from '../../src/core/pi-link/feedback';
import { classify, restMs, waitInText } from '../../src/core/rotation/cooldown';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('pi link: headers, framing, channel directory', () => {
  it('reads usage from Anthropic unified, Anthropic standard, OpenAI and Codex headers', () => {
    assert.deepEqual(
      usageFromHeaders(
        { 'anthropic-ratelimit-unified-5h-utilization': '1', 'anthropic-ratelimit-unified-5h-reset': '1767229200' },
        NOW,
      )?.windows,
      [{ label: '5h', usedPercent: 100, windowMinutes: 300, resetsAt: 1767229200000 }],
    );
    assert.deepEqual(
      usageFromHeaders(
        {
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '10',
          'anthropic-ratelimit-requests-reset': '2026-01-01T00:01:00Z',
        },
        NOW,
      )?.windows,
      [{ label: 'requests', usedPercent: 80, resetsAt: NOW + 60_000 }],
    );
    assert.deepEqual(
      usageFromHeaders(
        {
          'x-ratelimit-limit-tokens': '1000',
          'x-ratelimit-remaining-tokens': '250',
          'x-ratelimit-reset-tokens': '6m0s',
        },
        NOW,
      )?.windows,
      [{ label: 'tokens', usedPercent: 75, resetsAt: NOW + 360_000 }],
    );
    assert.deepEqual(
      usageFromHeaders(
        {
          'x-codex-primary-used-percent': '12.5',
          'x-codex-primary-window-minutes': '300',
          'x-codex-primary-reset-after-seconds': '60',
        },
        NOW,
      )?.windows,
      [{ label: '5h', usedPercent: 13, windowMinutes: 300, resetsAt: NOW + 60_000 }],
    );
    assert.equal(usageFromHeaders({ 'content-type': 'text/event-stream' }, NOW), undefined);
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs('2h3m'), 7_380_000);
    assert.equal(durationMs('soon'), undefined);
  });

  it('rests a 429 until Retry-After, else until the full window resets', () => {
    assert.equal(restUntil({ 'retry-after': '30' }, NOW), NOW + 30_000);
    assert.equal(restUntil({ 'retry-after-ms': '250' }, NOW), NOW + 250);
    assert.equal(
      restUntil({ 'x-codex-primary-used-percent': '100', 'x-codex-primary-reset-at': '1767232800' }, NOW),
      1767232800000,
    );
    assert.equal(restUntil({}, NOW), undefined);
  });

  it("reads the provider's wait from pi's error text when no header came with the 429", () => {
    const rows: [string | undefined, number | undefined][] = [
      ['429 {"error":{"message":"Rate limit reached for gpt-4o. Please try again in 10m0s. Visit …"}}', 600_000],
      ['Rate limit reached. Please try again in 1.5s.', 1500],
      ['Please try again in 250ms', 250],
      ['429 Too Many Requests: try again after 30 seconds', 30_000],
      ['Your limit resets in 2 hours and 5 minutes.', 7_500_000],
      ['429 {"error":{"code":429,"details":[{"retryDelay":"21s"}]}}', 21_000],
      ['Resource exhausted. Please retry in 21.6s.', 21_600],
      ['Please try again later.', undefined],
      ['try again in a moment', undefined],
      ['Please try again in 400h', 8 * 24 * 3_600_000], // clamped to a week and a day
      [undefined, undefined],
    ];
    for (const [text, ms] of rows) assert.equal(waitInText(text), ms, text);
    const at = (r: { headers?: Record<string, string>; error?: string }) =>
      restMs(classify({ status: 429, text: r.error, waitMs: waitOf({ headers: r.headers ?? {} }, NOW) }), 1);
    assert.equal(at({ error: '429 … Please try again in 10m0s.' }), 600_000, 'from the text');
    assert.equal(at({ headers: { 'retry-after': '600' } }), 600_000, 'from the header');
    assert.equal(at({ headers: { 'retry-after': '90' }, error: 'try again in 10m0s' }), 90_000, 'the header first');
    assert.equal(at({ error: '429 rate_limit_error' }), 60_000, 'else the default rest');
  });

  it('frames lines, skips a line over the limit whole, and keeps the next one', () => {
    const lines: string[] = [];
    let tooLong = 0;
    const feed = lineReader(
      (l) => lines.push(l),
      () => tooLong++,
    );
    feed(Buffer.from('{"a":1}\n{"b"'));
    feed(Buffer.from(':2}\n'));
    feed(Buffer.from('x'.repeat(MAX_LINE + 10)));
    feed(Buffer.from('yyy\nok\n'));
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', 'ok']);
    assert.equal(tooLong, 1);
  });

  it('fingerprints are 12 hex digits and never the key', () => {
    assert.match(fingerprint(KEY_A), /^[0-9a-f]{12}$/);
    assert.ok(!KEY_A.includes(fingerprint(KEY_A)));
  });

  it('the channel directory is 0700 and a shared one is refused', () => {
    const t = tempDir();
    try {
      const dir = join(t.dir, 'ch');
      ensurePrivateDir(dir);
      ensurePrivateDir(dir);
      chmodSync(dir, 0o755);
      assert.throws(
        () => ensurePrivateDir(dir),
        (e) => isFault(e, 'pi-link'),
      );
    } finally {
      t.cleanup();
    }
  });
});

async function window(mode: 'manual' | 'round-robin' = 'round-robin', oauth = false) {
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  const cred = (n: string) =>
    oauth
      ? { type: 'oauth' as const, access: `sk-ant-oat01-${n}`, refresh: `rt-${n}`, expires: Date.now() + 3_600_000 }
      : { type: 'api_key' as const, key: `${KEY_A}${n}` };
  await vault.add('anthropic', 'A', cred('A'));
  await vault.add('anthropic', 'B', cred('B'));
  const lines: string[] = [];
  const log = {
    trace: () => undefined,
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(`WARN ${m}`),
    error: (m: string) => lines.push(m),
  };
  const rotation = new Rotation({
    vault,
    settings: { mode: () => mode, threshold: () => 80 },
    usage: () => undefined,
    store,
    log,
  });
  const calls = { refresh: 0, told: [] as string[] };
  const feedback = new PiFeedback({
    vault,
    rotation,
    mode: () => mode,
    feedback: feedbackInto({ vault, rotation, usageSeen: () => undefined }),
    refresh: async () => void calls.refresh++,
    tellRateLimited: (_p, a) => calls.told.push(a),
    log,
  });
  return {
    vault,
    rotation,
    feedback,
    calls,
    lines,
    keyOf: (n: string) => fingerprint(oauth ? `sk-ant-oat01-${n}` : `${KEY_A}${n}`),
  };
}

describe('pi link: the feedback port', () => {
  it('manual mode: a 429 marks the account and tells the person once, without switching', async () => {
    const w = await window('manual');
    for (const seq of [1, 2, 3])
      assert.equal(
        (await w.feedback.report(report({ seq, status: 429, key: w.keyOf('A'), headers: { 'retry-after': '60' } })))
          .reload,
        false,
      );
    assert.deepEqual(w.calls.told, ['A']);
    assert.equal(w.rotation.inUse('anthropic')?.name, 'A');
    assert.ok(w.rotation.cooldownOf('anthropic', 'A'));
  });

  it("a 429 reported with pi's error text only rests the account for the provider's wait, not the default 60 s", async () => {
    const w = await window();
    const before = Date.now();
    const d = await w.feedback.report(
      report({
        status: 429,
        key: w.keyOf('A'),
        error: '429 {"type":"error","error":{"type":"rate_limit_error","message":"Please try again in 10m0s."}}',
      }),
    );
    const rest = w.rotation.cooldownOf('anthropic', 'A')! - before;
    assert.ok(rest >= 600_000 && rest < 601_000, String(rest));
    assert.deepEqual([d.reload, w.rotation.inUse('anthropic')?.name], [true, 'B']);
  });

  it('a sign-in answered 401 is refreshed exactly once, however many pi requests report it', async () => {
    const w = await window('round-robin', true);
    const ds = await Promise.all(
      [1, 2, 3].map((seq) => w.feedback.report(report({ seq, status: 401, key: w.keyOf('A') }))),
    );
    assert.equal(w.calls.refresh, 1);
    assert.ok(ds.every((d) => d.reload));
    assert.equal(w.vault.accounts('anthropic').find((a) => a.name === 'A')?.needsSignIn, false);
  });

  it('a late 429 for an account already switched away from does not rest the new one', async () => {
    const w = await window();
    await w.feedback.report(report({ status: 429, key: w.keyOf('A') }));
    assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
    const late = await w.feedback.report(report({ seq: 2, status: 429, key: w.keyOf('A') }));
    assert.equal(w.rotation.inUse('anthropic')?.name, 'B');
    assert.equal(w.rotation.cooldownOf('anthropic', 'B'), undefined);
    assert.equal(late.reload, true);
  });

  it('a key Pi Accounts does not hold changes nothing', async () => {
    const w = await window();
    const d = await w.feedback.report(report({ status: 429, key: fingerprint('someone-else') }));
    assert.deepEqual(d, { reload: false, summary: 'nothing to do' });
    assert.equal(w.rotation.inUse('anthropic')?.name, 'A');
  });

  it('the server ignores and logs malformed and oversized messages, and answers the next report', async () => {
    const t = tempDir();
    const w = await window();
    const server = new PiLinkServer(join(t.dir, 'ch'), w.feedback, {
      trace: () => undefined,
      info: () => undefined,
      warn: (m) => w.lines.push(`WARN ${m}`),
      error: () => undefined,
    });
    try {
      const path = await server.listen();
      const socket = createConnection(path);
      const answers: string[] = [];
      socket.on('data', (d) => answers.push(...d.toString().trim().split('\n')));
      socket.write('not json\n{"v":1,"type":"report"}\n');
      socket.write(`${'x'.repeat(MAX_LINE + 1)}\n`);
      socket.write(`${JSON.stringify(report({ status: 429, key: w.keyOf('A'), wantsAck: true }))}\n`);
      await until(() => answers.length > 0, 2000);
      assert.deepEqual(
        answers.map((a) => JSON.parse(a)),
        [{ v: 1, type: 'ack', seq: 1, reload: true }],
      );
      assert.equal(w.lines.filter((l) => l.startsWith('WARN pi channel: ignored a malformed message')).length, 3);
      assert.deepEqual(server.status().pids, [7]);
      assert.equal(server.status().last?.status, 429);
      socket.destroy();
    } finally {
      server.dispose();
      t.cleanup();
    }
  });
});

describe('pi link: installing the companion', () => {
  it('installs, updates, leaves a foreign or edited file alone, and removes exactly its own file', () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'extensions', COMPANION_FILE);
      assert.deepEqual(inspect(t.dir, '1.0.0'), { state: 'absent' });
      assert.equal(install(t.dir, 'export default () => {};\n', '1.0.0'), true);
      assert.equal(install(t.dir, 'export default () => {};\n', '1.0.0'), false);
      assert.deepEqual(inspect(t.dir, '1.1.0'), { state: 'ours', version: '1.0.0', current: false });
      assert.equal(install(t.dir, 'export default () => 1;\n', '1.1.0'), true);
      assert.match(
        readFileSync(path, 'utf8'),
        /^\/\/ pi-accounts-companion 1\.1\.0 sha256:[0-9a-f]{64}\nexport default \(\) => 1;\n$/,
      );
      writeFileSync(path, `${readFileSync(path, 'utf8')}// my edit\n`);
      assert.throws(
        () => install(t.dir, 'x', '1.2.0'),
        (e) => isFault(e, 'pi-link'),
      );
      assert.throws(
        () => uninstall(t.dir),
        (e) => isFault(e, 'pi-link'),
      );
      assert.ok(existsSync(path));
      install(join(t.dir, 'b'), 'y', '1');
      writeFileSync(join(t.dir, 'b', 'extensions', 'mine.ts'), 'x');
      assert.equal(uninstall(join(t.dir, 'b')), true);
      assert.ok(!existsSync(join(t.dir, 'b', 'extensions', COMPANION_FILE)));
      assert.ok(existsSync(join(t.dir, 'b', 'extensions', 'mine.ts')));
      assert.equal(uninstall(join(t.dir, 'b')), false);
      mkdirSync(join(t.dir, 'c', 'extensions'), { recursive: true });
      writeFileSync(join(t.dir, 'c', 'extensions', COMPANION_FILE), 'someone else');
      assert.throws(
        () => install(join(t.dir, 'c'), 'z', '1'),
        (e) => isFault(e, 'pi-link'),
      );
    } finally {
      t.cleanup();
    }
  });
});

describe("pi link: usage from pi's answers quiets polling", () => {
  it('an observed snapshot is shown at once (announced only when its figures change) and the account is not polled until the quiet time passed (unless forced)', async () => {
    let now = NOW;
    let fetches = 0;
    const s = new UsageScheduler({ fetch: async () => (fetches++, { windows: [], fetchedAt: now }), now: () => now });
    const t = { provider: 'anthropic', account: 'A' };
    let announced = 0;
    s.onDidChange(() => announced++);
    s.observe(t, { windows: [{ label: '5h', usedPercent: 42 }], fetchedAt: now }, 300_000);
    assert.equal(s.entry(t)?.snapshot?.windows[0].usedPercent, 42);
    s.observe(t, { windows: [{ label: '5h', usedPercent: 42 }], fetchedAt: now + 1 }, 300_000);
    assert.equal(announced, 1, 'the same figures again are not announced');
    s.observe(t, { windows: [{ label: '5h', usedPercent: 43 }], fetchedAt: now + 2 }, 300_000);
    assert.deepEqual([announced, s.entry(t)?.snapshot?.windows[0].usedPercent], [2, 43]);
    now += 120_000;
    await s.refresh([t]);
    assert.equal(fetches, 0);
    await s.refresh([t], { force: true });
    assert.equal(fetches, 1);
    now += 400_000;
    await s.refresh([t]);
    assert.equal(fetches, 2);
  });
});
