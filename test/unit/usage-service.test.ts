import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { OAuthCredential } from '../../src/core/credentials';
import { anthropicUsage } from '../../src/core/providers/anthropic';
import { codexUsage } from '../../src/core/providers/openai-codex';
import { copilotUsage } from '../../src/core/providers/github-copilot';
import { UsageScheduler, type UsageTarget } from '../../src/core/usage-service/scheduler';
import { retryAfter, UsageError, type UsageClient } from '../../src/core/usage/usage-client';
import { emulator, type Reply } from './emulator';

const NOW = 1_800_000_000_000;
const cred = (extra: Record<string, unknown> = {}): OAuthCredential => ({
  type: 'oauth',
  refresh: 'gho_refresh_0123456789',
  access: 'sk-ant-oat01-usage',
  expires: NOW + 3_600_000,
  ...extra,
});

// Recorded shapes (fields as providers.md §3.3/§4 describe them; values made up).
const FIXTURES = {
  anthropic: {
    five_hour: { utilization: 42.4, resets_at: '2027-01-15T10:00:00Z' },
    seven_day: { utilization: 13, resets_at: '2027-01-20T00:00:00Z' },
    seven_day_opus: null,
    extra_usage: { is_enabled: false },
  },
  codex: {
    plan_type: 'pro',
    rate_limit: {
      allowed: true,
      limit_reached: false,
      primary_window: { used_percent: 7.6, limit_window_seconds: 18000, reset_at: 1_800_010_000 },
      secondary_window: { used_percent: 55, limit_window_seconds: 604800, reset_at: 1_800_500_000 },
    },
    credits: { has_credits: false },
  },
  copilotPaid: {
    copilot_plan: 'business',
    quota_reset_date: '2027-02-01',
    quota_snapshots: {
      premium_interactions: { entitlement: 300, remaining: 210, percent_remaining: 70, unlimited: false },
      chat: { unlimited: true },
    },
  },
  copilotFree: {
    copilot_plan: 'individual',
    access_type_sku: 'free_limited_copilot',
    limited_user_reset_date: '2027-02-01',
    limited_user_quotas: { chat: 40, completions: 1500 },
    monthly_quotas: { chat: 500, completions: 4000 },
  },
};

async function against(route: (path: string, headers: Record<string, unknown>) => Reply) {
  return emulator((r) => route(r.path, r.headers));
}

describe('usage clients against emulators of their endpoints', () => {
  it('Anthropic: bearer + oauth beta header; 5h and 7d windows with ISO resets', async () => {
    const em = await against((path, h) => {
      assert.equal(path, '/api/oauth/usage');
      assert.equal(h.authorization, 'Bearer sk-ant-oat01-usage');
      assert.equal(h['anthropic-beta'], 'oauth-2025-04-20');
      return { json: FIXTURES.anthropic };
    });
    const s = await anthropicUsage({ url: `${em.base}/api/oauth/usage`, now: () => NOW }).fetch(cred());
    assert.deepEqual(s, {
      fetchedAt: NOW,
      windows: [
        { label: '5h', usedPercent: 42, windowMinutes: 300, resetsAt: Date.parse('2027-01-15T10:00:00Z') },
        { label: '7d', usedPercent: 13, windowMinutes: 10080, resetsAt: Date.parse('2027-01-20T00:00:00Z') },
      ],
    });
    await em.close();
  });

  it('Codex: account id header; windows from seconds; plan name', async () => {
    const em = await against((_p, h) => (assert.equal(h['chatgpt-account-id'], 'acct-9'), { json: FIXTURES.codex }));
    const s = await codexUsage({ url: em.base, now: () => NOW }).fetch(cred({ accountId: 'acct-9' }));
    assert.equal(s.plan, 'ChatGPT Pro');
    assert.deepEqual(s.windows, [
      { label: '5h', usedPercent: 8, windowMinutes: 300, resetsAt: 1_800_010_000_000 },
      { label: '7d', usedPercent: 55, windowMinutes: 10080, resetsAt: 1_800_500_000_000 },
    ]);
    await em.close();
  });

  it('Copilot: "token <GitHub token>" with the editor headers; paid premium and free limited plans', async () => {
    let body: unknown = FIXTURES.copilotPaid;
    const em = await against(
      (_p, h) => (
        assert.equal(h.authorization, 'token gho_refresh_0123456789'),
        assert.equal(h['editor-version'], 'vscode/1.107.0'),
        { json: body }
      ),
    );
    const client = copilotUsage({ url: em.base, now: () => NOW });
    const paid = await client.fetch(cred());
    assert.equal(paid.plan, 'business');
    assert.deepEqual(paid.windows, [{ label: 'month', usedPercent: 30, resetsAt: Date.parse('2027-02-01') }]);
    body = FIXTURES.copilotFree;
    const free = await client.fetch(cred());
    // chat: 500/10 = 50 total, 40 left → 20 %; completions: 4000/2 = 2000, 1500 left → 25 %.
    assert.deepEqual(
      free.windows.map((w) => [w.label, w.usedPercent]),
      [
        ['chat', 20],
        ['completions', 25],
      ],
    );
    await em.close();
  });

  it('each error status and a malformed body is a typed problem, never a crash', async () => {
    let reply: Reply = {};
    const em = await emulator(() => reply);
    const clients: UsageClient[] = [
      anthropicUsage({ url: em.base, now: () => NOW }),
      codexUsage({ url: em.base, now: () => NOW }),
      copilotUsage({ url: em.base, now: () => NOW }),
    ];
    const cases: [Reply, string][] = [
      [{ status: 401, json: { error: 'expired' } }, 'unauthorized'],
      [{ status: 403, json: {} }, 'forbidden'],
      [{ status: 429, json: {} }, 'rate-limited'],
      [{ status: 502, json: {} }, 'server-error'],
      [{ raw: '<html>not json' }, 'malformed'],
      [{ json: { five_hour: 'x', rate_limit: 7, quota_snapshots: 'x' } }, 'malformed'],
    ];
    for (const c of clients) {
      for (const [r, problem] of cases) {
        reply = r;
        await assert.rejects(
          c.fetch(cred()),
          (e) => e instanceof UsageError && e.problem === problem,
          `${c.provider} ${problem}`,
        );
      }
    }
    await em.close();
    await assert.rejects(clients[0].fetch(cred()), (e) => e instanceof UsageError && e.problem === 'network');
  });

  it('429 with Retry-After or a provider reset header says when to ask again', async () => {
    const srv = createServer((_q, res) => (res.writeHead(429, { 'retry-after': '120' }), res.end('{}')));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    await assert.rejects(
      anthropicUsage({ url, now: () => NOW }).fetch(cred()),
      (e) => e instanceof UsageError && e.retryAt === NOW + 120_000,
    );
    srv.close();
    const at = (headers: Record<string, string>) =>
      retryAfter({ status: 429, headers, text: '', json: undefined }, NOW);
    assert.equal(at({ 'retry-after': new Date(NOW + 60_000).toUTCString() }), NOW + 60_000);
    assert.equal(at({ 'anthropic-ratelimit-requests-reset': new Date(NOW + 30_000).toISOString() }), NOW + 30_000);
    assert.equal(at({ 'x-ratelimit-reset-requests': '1.5' }), NOW + 1500, 'Codex: relative seconds');
    assert.equal(at({ 'x-ratelimit-reset': String((NOW + 90_000) / 1000) }), NOW + 90_000, 'Copilot: epoch seconds');
    assert.equal(at({}), undefined);
  });
});

describe('quota scheduler', function () {
  this.timeout(30_000);
  const targets = (n: number, provider = 'anthropic'): UsageTarget[] =>
    Array.from({ length: n }, (_, i) => ({ provider, account: `acct-${i}` }));
  const snapshot = { windows: [{ label: '5h', usedPercent: 10 }], fetchedAt: NOW };

  it('50 accounts against a 200 ms endpoint: never more than 4 in flight, wall time near ceil(50/4) x 200 ms', async () => {
    let inFlight = 0;
    let max = 0;
    const em = await emulator(async () => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 200));
      inFlight--;
      return { json: FIXTURES.anthropic };
    });
    const client = anthropicUsage({ url: em.base });
    const s = new UsageScheduler({ fetch: () => client.fetch(cred()), concurrency: 4 });
    const started = performance.now();
    await s.refresh(targets(50));
    const wall = performance.now() - started;
    const ideal = Math.ceil(50 / 4) * 200;
    await em.close();
    assert.equal(max, 4, 'the server saw at most 4 at once');
    assert.equal(s.stats.maxInFlight, 4);
    assert.equal(s.stats.requests, 50);
    assert.ok(wall >= ideal && wall <= ideal * 1.15, `wall ${wall.toFixed(0)} ms vs ideal ${ideal} ms`);
    console.log(
      `      50 accounts, 200 ms each: max in flight ${max}, wall ${wall.toFixed(0)} ms vs ideal ${ideal} ms (${((wall / ideal - 1) * 100).toFixed(1)} % over)`,
    );
  });

  it('asks an account again only after the minimum interval, unless forced', async () => {
    let now = NOW;
    let calls = 0;
    const s = new UsageScheduler({ fetch: async () => (calls++, snapshot), minIntervalMs: 60_000, now: () => now });
    await s.refresh(targets(1));
    await s.refresh(targets(1));
    assert.equal(calls, 1);
    await s.refresh(targets(1), { force: true });
    assert.equal(calls, 2);
    now += 61_000;
    await s.refresh(targets(1));
    assert.equal(calls, 3);
  });

  it('a failing endpoint stops being called while its breaker is open; other providers go on', async () => {
    let now = NOW;
    const calls: Record<string, number> = {};
    const s = new UsageScheduler({
      fetch: async (t) => {
        calls[t.provider] = (calls[t.provider] ?? 0) + 1;
        if (t.provider === 'anthropic') throw new UsageError('server-error', 'the server answered 503.');
        return snapshot;
      },
      minIntervalMs: 0,
      breakerThreshold: 3,
      breakerOpenMs: 120_000,
      now: () => now,
    });
    for (let i = 0; i < 10; i++) await s.refresh([...targets(1), { provider: 'openai-codex', account: 'x' }]);
    assert.equal(calls.anthropic, 3, 'three failures, then the breaker opened');
    assert.equal(calls['openai-codex'], 10);
    assert.equal(s.entry(targets(1)[0])?.problem?.kind, 'circuit-open');
    now += 121_000;
    await s.refresh(targets(1));
    assert.equal(calls.anthropic, 4, 'half-open after the pause: one try');
  });

  it('keeps the last good figure when a later fetch fails, and persists no secrets', async () => {
    const saved: unknown[] = [];
    let fail = false;
    const s = new UsageScheduler({
      fetch: async () =>
        fail ? Promise.reject(new UsageError('unauthorized', 'the token was refused (401).')) : snapshot,
      minIntervalMs: 0,
      cache: { get: () => undefined, set: (v) => void saved.push(v) },
    });
    await s.refresh(targets(1));
    fail = true;
    await s.refresh(targets(1));
    const e = s.entry(targets(1)[0])!;
    assert.deepEqual(e.snapshot, snapshot);
    assert.equal(e.problem?.kind, 'unauthorized');
    const text = JSON.stringify(saved.at(-1));
    assert.ok(!/sk-|gho_|Bearer/.test(text), text);
    const reloaded = new UsageScheduler({
      fetch: async () => snapshot,
      cache: { get: () => saved.at(-1), set: () => undefined },
    });
    assert.deepEqual(reloaded.entry(targets(1)[0])?.snapshot, snapshot, 'the cache survives a reload');
    const corrupt = new UsageScheduler({
      fetch: async () => snapshot,
      cache: { get: () => ({ version: 9, entries: 'x' }), set: () => undefined },
    });
    assert.equal(corrupt.entry(targets(1)[0]), undefined, 'an unreadable cache is ignored');
  });
});
