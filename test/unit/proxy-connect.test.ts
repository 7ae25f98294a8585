// Issue 26, item 8: a proxy that drops, cuts or stalls CONNECT (test/unit/hostile-proxy.ts).
// The request's timeout covers connecting through the proxy, one request makes one CONNECT
// attempt (undici retried a dropped one ~21,000 times in 6 s), and retries back off.
import assert from 'node:assert/strict';
import { isFault } from '../../src/core/faults';
import { getJson } from '../../src/core/http';
import { checkKey } from '../../src/core/key-check';
import { proxyOptions, type ProxySettings } from '../../src/core/proxy';
import { withRetry } from '../../src/core/retry';
import { until } from './helpers';
import { hostileProxy } from './hostile-proxy';

const settings = (proxy: string): ProxySettings => ({ proxy, noProxy: [], strictSSL: true });
/** An https target: requests to it go through a CONNECT tunnel. Never reached. */
const TARGET = 'https://api.example.test/v1/models';

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; error: unknown; value?: T }> {
  const start = Date.now();
  try {
    const value = await fn();
    return { ms: Date.now() - start, error: undefined, value };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe('a proxy that drops, cuts or stalls CONNECT', function () {
  this.timeout(30_000);

  it('stalls: the request fails with a network fault at its timeout, and the stalled tunnel is closed at the CONNECT limit', async () => {
    const proxy = await hostileProxy('stall');
    try {
      const opts = proxyOptions(settings(proxy.url), {}, 1500);
      const r = await timed(() => getJson(TARGET, { ...opts, timeoutMs: 1000 }));
      console.log(`      typed fault after ${r.ms} ms: ${(r.error as Error).message}`);
      assert.ok(isFault(r.error, 'network'), String(r.error));
      assert.match((r.error as Error).message, /Could not reach api\.example\.test: there was no answer within/);
      assert.ok(r.ms < 1400, `${r.ms} ms`);
      assert.equal(proxy.seen.connects, 1);
      const given = Date.now();
      await until(() => proxy.seen.unanswered === 0, 5000); // the tunnel attempt itself is given up
      console.log(
        `      the stalled CONNECT's connection closed ${Date.now() - given} ms after the fault (limit 1500 ms from the start)`,
      );
      // With the CONNECT limit below the request's timeout, the fault names the proxy.
      const short = await timed(() =>
        getJson(TARGET, { ...proxyOptions(settings(proxy.url), {}, 300), timeoutMs: 5000 }),
      );
      console.log(`      CONNECT limit 300 ms: typed fault after ${short.ms} ms: ${(short.error as Error).message}`);
      assert.match((short.error as Error).message, /the proxy did not open a tunnel to it in time/);
      assert.ok(short.ms < 1000);
      const checked = await timed(() => checkKey('anthropic', 'sk-ant-api03-x', { ...opts, timeoutMs: 1000 }, TARGET));
      console.log(`      key check through the stalled proxy: ${checked.value?.result} after ${checked.ms} ms`);
      assert.equal(checked.value?.result, 'unknown');
      assert.ok(checked.ms < 1400);
    } finally {
      await proxy.close();
    }
  });

  for (const behaviour of ['drop', 'cut'] as const)
    it(`${behaviour === 'drop' ? 'drops the connection at once' : 'reads CONNECT and closes'}: one attempt per request, a fault in words, no retry loop`, async () => {
      const proxy = await hostileProxy(behaviour);
      try {
        const opts = proxyOptions(settings(proxy.url), {});
        const r = await timed(() => getJson(TARGET, { ...opts, timeoutMs: 5000 }));
        console.log(
          `      typed fault after ${r.ms} ms: ${(r.error as Error).message}; connections ${proxy.seen.connections}`,
        );
        assert.ok(isFault(r.error, 'network'));
        assert.match((r.error as Error).message, /the proxy closed the connection instead of opening a tunnel/);
        assert.equal(proxy.seen.connections, 1);
        // A loop would have made thousands more meanwhile; a second request makes exactly one more.
        await timed(() => getJson(TARGET, { ...opts, timeoutMs: 5000 }));
        assert.equal(proxy.seen.connections, 2);
      } finally {
        await proxy.close();
      }
    });

  it('retries through a dropping proxy back off: 4 attempts, each wait longer than the last', async () => {
    const proxy = await hostileProxy('drop');
    try {
      const opts = proxyOptions(settings(proxy.url), {});
      const r = await timed(() =>
        withRetry(() => getJson(TARGET, { ...opts, timeoutMs: 5000 }), { attempts: 4, baseMs: 100 }),
      );
      assert.ok(isFault(r.error, 'network'));
      const gaps = proxy.seen.at.slice(1).map((t, i) => t - proxy.seen.at[i]);
      console.log(`      ${proxy.seen.connections} CONNECT attempts in ${r.ms} ms, gaps ${gaps.join(', ')} ms`);
      assert.equal(proxy.seen.connections, 4);
      gaps.forEach((g, i) => assert.ok(g >= 100 * 2 ** i * 0.75, `gap ${i}: ${g} ms`));
    } finally {
      await proxy.close();
    }
  });
});
