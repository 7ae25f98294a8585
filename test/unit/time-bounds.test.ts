// Issue 26, item 2: times a server or a pi report names (Retry-After, resets) are clamped to a
// sane range; the absurd counts as unknown. Pure parsers first, then the whole path over the
// real channel socket: every 429 report is acked, and the account rests the default time.
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { ACK_TIMEOUT_MS } from '../../src/core/pi-link/protocol';
import { PiLinkServer } from '../../src/core/pi-link/server';
import { restUntil, usageFromHeaders } from '../../src/core/pi-link/usage-headers';
import { parseAnthropicUsage } from '../../src/core/providers/anthropic';
import { parseCodexUsage } from '../../src/core/providers/openai-codex';
import { parseCopilotUsage } from '../../src/core/providers/github-copilot';
import { DEFAULT_REST_MS } from '../../src/core/rotation/rest';
import { retryAfter } from '../../src/core/usage/usage-client';
import { isoTime, MAX_AHEAD_MS, saneDelay, saneTime } from '../../src/core/time-bounds';
import { tempDir, until } from './helpers';
import { piWindow, report } from './pi-window';

const NOW = Date.parse('2026-12-06T00:00:00Z');
const res = (headers: Record<string, string>, json?: unknown) => ({ status: 429, headers, text: '', json });

/** The hostile values the adversarial run used, and a few more. */
const ABSURD: Record<string, string>[] = [
  { 'retry-after': '1e13' },
  { 'retry-after': 'Infinity' },
  { 'retry-after': '-5' },
  { 'retry-after-ms': '1e300' },
  { 'retry-after-ms': '-1e300' },
  { 'x-ratelimit-reset': '1e20' },
  { 'x-ratelimit-reset-requests': '1e300' },
  { 'anthropic-ratelimit-requests-reset': '+275760-09-13T00:00:00Z' },
  { 'x-codex-primary-used-percent': '100', 'x-codex-primary-reset-at': '1e300' },
  { 'x-codex-primary-used-percent': '100', 'x-codex-primary-reset-after-seconds': '1e300' },
  { 'anthropic-ratelimit-unified-5h-utilization': '1', 'anthropic-ratelimit-unified-5h-reset': '1e300' },
  {
    'x-ratelimit-limit-requests': '10',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${'9'.repeat(400)}s`,
  },
];

describe('time bounds: Retry-After and resets from servers and pi reports', () => {
  it('the bounds: 0 … 35 days ahead, a day behind; anything else is unknown; isoTime never throws', () => {
    assert.equal(saneDelay(0), 0);
    assert.equal(saneDelay(MAX_AHEAD_MS), MAX_AHEAD_MS);
    for (const v of [MAX_AHEAD_MS + 1, -1, NaN, Infinity, 1e300]) assert.equal(saneDelay(v), undefined, String(v));
    assert.equal(saneTime(NOW + 1000, NOW), NOW + 1000);
    for (const v of [NOW - 2 * 86_400_000, NOW + MAX_AHEAD_MS + 1, 1e20, -1e300, NaN])
      assert.equal(saneTime(v, NOW), undefined, String(v));
    assert.equal(isoTime(1e300), 'an unknown time');
    assert.equal(isoTime(NOW), '2026-12-06T00:00:00.000Z');
  });

  it('sane values still count: Retry-After seconds and dates, x-ratelimit-reset, Codex and Anthropic resets', () => {
    assert.equal(retryAfter(res({ 'retry-after': '30' }), NOW), NOW + 30_000);
    assert.equal(retryAfter(res({ 'retry-after': 'Sun, 06 Dec 2026 00:01:00 GMT' }), NOW), NOW + 60_000);
    assert.equal(retryAfter(res({ 'x-ratelimit-reset': '20' }), NOW), NOW + 20_000);
    assert.equal(retryAfter(res({ 'x-ratelimit-reset': String((NOW + 5000) / 1000) }), NOW), NOW + 5000);
    assert.equal(restUntil({ 'retry-after-ms': '250' }, NOW), NOW + 250);
    assert.equal(
      restUntil({ 'x-codex-primary-used-percent': '100', 'x-codex-primary-reset-after-seconds': '3600' }, NOW),
      NOW + 3_600_000,
    );
  });

  it('every absurd header is unknown (no RangeError), a bad retry-after-ms falls back to the next header', () => {
    for (const h of ABSURD) {
      assert.equal(restUntil(h, NOW), undefined, JSON.stringify(h));
      for (const w of usageFromHeaders(h, NOW)?.windows ?? []) assert.equal(w.resetsAt, undefined, JSON.stringify(h));
    }
    assert.equal(restUntil({ 'retry-after-ms': '1e300', 'retry-after': '7' }, NOW), NOW + 7000);
  });

  it('usage bodies: a Codex, Claude or Copilot reset of 1e300 or year 275760 is no reset', () => {
    const codex = parseCodexUsage(
      {
        status: 200,
        headers: {},
        text: '',
        json: { rate_limit: { primary_window: { used_percent: 100, limit_window_seconds: 18000, reset_at: 1e300 } } },
      },
      NOW,
    );
    assert.equal(codex.windows[0].resetsAt, undefined);
    const claude = parseAnthropicUsage(
      {
        status: 200,
        headers: {},
        text: '',
        json: { five_hour: { utilization: 100, resets_at: '+275760-09-13T00:00:00Z' }, seven_day: null },
      },
      NOW,
    );
    assert.equal(claude.windows[0].resetsAt, undefined);
    const copilot = parseCopilotUsage(
      {
        status: 200,
        headers: {},
        text: '',
        json: {
          quota_reset_date: '+099999-01-01',
          quota_snapshots: { premium_interactions: { unlimited: false, percent_remaining: 0 } },
        },
      },
      NOW,
    );
    assert.equal(copilot.windows[0].resetsAt, undefined);
  });

  it('over the channel socket: each absurd 429 report is acked at once, and the account rests the default minute', async function () {
    this.timeout(30_000);
    const t = tempDir();
    const w = await piWindow();
    const server = new PiLinkServer(join(t.dir, 'ch'), w.feedback, w.log);
    try {
      const socket = createConnection(await server.listen());
      const acks: { seq: number; reload: boolean }[] = [];
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n'))
          (acks.push(JSON.parse(buf.slice(0, nl)) as { seq: number; reload: boolean }), (buf = buf.slice(nl + 1)));
      });
      const times: number[] = [];
      for (const [i, headers] of ABSURD.entries()) {
        // Each report names the account that is active now, so each one rests it and switches.
        const active = w.rotation.inUse('anthropic')!.name;
        const before = Date.now();
        socket.write(
          `${JSON.stringify(report({ seq: i + 1, status: 429, headers, key: w.keyOf(active), wantsAck: true }))}\n`,
        );
        await until(() => acks.length === i + 1, ACK_TIMEOUT_MS);
        times.push(Date.now() - before);
        const rest = w.rotation.cooldownOf('anthropic', active)!;
        assert.ok(
          rest >= before + DEFAULT_REST_MS - 1000 && rest <= Date.now() + DEFAULT_REST_MS,
          JSON.stringify(headers),
        );
        assert.equal(acks[i].seq, i + 1);
        // The rests end after a minute; let the next report find a usable account again.
        await w.rotation.use('anthropic', active === 'A' ? 'B' : 'A');
      }
      assert.ok(!w.lines.some((l) => /RangeError|Invalid time/.test(l)), w.lines.join('\n'));
      console.log(`      ${ABSURD.length} absurd 429 reports acked, slowest after ${Math.max(...times)} ms`);
      socket.destroy();
    } finally {
      server.dispose();
      t.cleanup();
    }
  });

  it('a decision that throws still acks (reload false), and a rest of 1e300 from any caller is clamped to 35 days', async () => {
    const t = tempDir();
    const w = await piWindow();
    const server = new PiLinkServer(
      join(t.dir, 'ch'),
      {
        report: async () => {
          throw new RangeError('Invalid time value');
        },
      },
      w.log,
    );
    try {
      const socket = createConnection(await server.listen());
      const got: string[] = [];
      socket.on('data', (d) => got.push(d.toString()));
      socket.write(`${JSON.stringify(report({ status: 429, wantsAck: true }))}\n`);
      await until(() => got.length > 0, ACK_TIMEOUT_MS);
      assert.deepEqual(JSON.parse(got[0]), { v: 1, type: 'ack', seq: 1, reload: false });
      socket.destroy();
    } finally {
      server.dispose();
      t.cleanup();
    }
    const before = Date.now();
    w.rotation.cooldown('anthropic', 'A', 1e300, 'a model request answered 429');
    const rest = w.rotation.cooldownOf('anthropic', 'A')!;
    assert.ok(rest >= before + MAX_AHEAD_MS && rest <= Date.now() + MAX_AHEAD_MS);
    assert.ok(w.lines.some((l) => l.includes('rests until') && !l.includes('unknown')));
  });
});
