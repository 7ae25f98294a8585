// Issue 26, item 9: what src/core/http.ts reads of a body. A loopback server sends a 210 MB
// body, an endless one, or declares 1 GB; it counts what it managed to write before the client
// stopped reading. A key check reads no body at all; every other request at most MAX_BODY.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isFault } from '../../src/core/faults';
import { getJson, MAX_BODY } from '../../src/core/http';
import { checkKey } from '../../src/core/key-check';
import { until } from './helpers';

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** A models endpoint that answers 200 with `size` bytes (Infinity: endless), as fast as the client reads. */
async function bodyServer(size: number, declare?: number) {
  const stats = { written: 0, done: false };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declare !== undefined ? { 'content-length': String(declare) } : {}),
    });
    let sent = 0;
    const pump = () => {
      while (sent < size && !res.destroyed) {
        const n = Math.min(CHUNK.length, size - sent);
        sent += n;
        stats.written += n;
        if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => (stats.done = true));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))),
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

describe('http: bodies are read only as far as needed', function () {
  this.timeout(30_000);

  it('a key check against a 210 MB body reads none of it: accepted from the status alone', async () => {
    const s = await bodyServer(210e6);
    try {
      const start = Date.now();
      const heap = process.memoryUsage().heapUsed;
      const r = await checkKey('openai', 'sk-proj-0123456789', { timeoutMs: 10_000 }, s.base);
      const ms = Date.now() - start;
      await until(() => s.stats.done);
      console.log(
        `      ${r.result} after ${ms} ms; the server wrote ${mb(s.stats.written)} of 210 MB before the connection closed; heap +${mb(process.memoryUsage().heapUsed - heap)}`,
      );
      assert.equal(r.result, 'accepted');
      assert.ok(s.stats.written < 16e6, mb(s.stats.written));
    } finally {
      await s.close();
    }
  });

  it(`an endless body: a network fault once MAX_BODY (${MAX_BODY / 1024 / 1024} MB) is exceeded, the rest unread`, async () => {
    const s = await bodyServer(Infinity);
    try {
      const start = Date.now();
      const error = await getJson(`${s.base}/usage`).then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = Date.now() - start;
      await until(() => s.stats.done);
      console.log(`      fault after ${ms} ms: ${(error as Error).message}; the server wrote ${mb(s.stats.written)}`);
      assert.ok(isFault(error, 'network'));
      assert.match((error as Error).message, /larger than 4096 KB; Pi Accounts stopped reading it/);
      assert.ok(s.stats.written < MAX_BODY + 16e6, mb(s.stats.written));
    } finally {
      await s.close();
    }
  });

  it('a declared length over the cap is refused before reading; a body under it (and a caller’s own cap) is read whole', async () => {
    const big = await bodyServer(Infinity, 1e9);
    const small = await bodyServer(1000);
    try {
      const error = await getJson(`${big.base}/x`).then(
        () => undefined,
        (e: unknown) => e,
      );
      await until(() => big.stats.done);
      console.log(`      declared 1 GB: refused; the server wrote ${mb(big.stats.written)}`);
      assert.ok(isFault(error, 'network'));
      const r = await getJson(`${small.base}/x`);
      assert.equal(r.text.length, 1000);
      await assert.rejects(getJson(`${small.base}/x`, { maxBytes: 999 }), (e) => isFault(e, 'network'));
    } finally {
      await big.close();
      await small.close();
    }
  });
});
