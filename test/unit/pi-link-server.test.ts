// Issue 26, item 3: a client of the channel socket that sends reports and never reads its acks.
// The server stops reading from it (backpressure), holds at most MAX_UNSENT bytes of answers for
// it, and drops it; a well-behaved pi on the same server is answered throughout. A pi that fills its
// socket and then goes quiet (under the byte cap) is dropped after the drain time instead.
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { ACK_TIMEOUT_MS } from '../../src/core/pi-link/protocol';
import { MAX_UNSENT, PiLinkServer } from '../../src/core/pi-link/server';
import { tempDir, until } from './helpers';
import { piWindow, report } from './pi-window';

describe('pi link server: a client that never reads', () => {
  it('100,000 reports wanting acks, none read: reading stops, unsent answers stay under the cap, the client is dropped; another pi is still answered', async function () {
    this.timeout(60_000);
    const t = tempDir();
    const w = await piWindow();
    let decided = 0;
    const feedback = { report: (r: Parameters<typeof w.feedback.report>[0]) => (decided++, w.feedback.report(r)) };
    const drainMs = 1000;
    const server = new PiLinkServer(join(t.dir, 'ch'), feedback, w.log, async () => undefined, drainMs);
    try {
      const path = await server.listen();
      const mute = createConnection(path);
      mute.pause(); // never reads
      let closedAt = 0;
      mute.on('close', () => (closedAt = Date.now()));
      mute.on('error', () => undefined);
      await new Promise((r) => mute.once('connect', r));
      const line = (seq: number) =>
        `${JSON.stringify(report({ seq, status: 429, key: 'ffffffffffff', wantsAck: true }))}\n`;
      const N = 100_000;
      let sent = 0;
      let written = 0;
      const start = Date.now();
      const heap0 = process.memoryUsage().heapUsed;
      let maxUnsent = 0;
      let maxPending = 0;
      let maxHeap = 0;
      const sample = () => {
        const b = server.backlog();
        maxUnsent = Math.max(maxUnsent, b.unsent);
        maxPending = Math.max(maxPending, b.pending);
        maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed - heap0);
      };
      // The flood, written as fast as the socket takes it (as a pi in a loop would).
      void (async () => {
        for (let i = 1; i <= N && !closedAt; i++) {
          const l = line(i);
          sent += Buffer.byteLength(l);
          if (!mute.write(l)) await new Promise((r) => (mute.once('drain', r), mute.once('close', r)));
          written = i;
          if (i % 200 === 0) sample();
        }
      })();
      await until(() => (sample(), closedAt > 0), 30_000);
      console.log(
        `      wrote ${written} of ${N} reports (${(sent / 1e6).toFixed(1)} MB) before the server stopped reading; decided ${decided}; dropped after ${closedAt - start} ms; max unsent ${maxUnsent} B, max pending ${maxPending}; heap growth ≤ ${(maxHeap / 1e6).toFixed(1)} MB (the client's own write buffer included)`,
      );
      assert.ok(maxUnsent <= MAX_UNSENT + 200, `unsent ${maxUnsent}`);
      assert.ok(decided < N / 10, `decided ${decided} of ${N}: the server kept reading`);
      console.log(`      ${w.lines.find((l) => l.includes('does not read its answers'))}`);
      assert.ok(w.lines.some((l) => l.includes('does not read its answers')));
      assert.deepEqual(server.backlog(), { unsent: 0, pending: 0 });

      // A pi that reads is answered as before.
      const good = createConnection(path);
      const acks: string[] = [];
      good.on('data', (d) => acks.push(d.toString()));
      good.write(line(1));
      await until(() => acks.length > 0, ACK_TIMEOUT_MS);
      assert.equal(JSON.parse(acks[0]).type, 'ack');
      good.destroy();
    } finally {
      server.dispose();
      t.cleanup();
    }
  });

  it('a pi that fills its socket with unread answers and then goes quiet is dropped after the drain time, under the byte cap', async function () {
    this.timeout(60_000);
    const t = tempDir();
    const w = await piWindow();
    let decided = 0;
    const feedback = { report: (r: Parameters<typeof w.feedback.report>[0]) => (decided++, w.feedback.report(r)) };
    const drainMs = 1000;
    const server = new PiLinkServer(join(t.dir, 'ch'), feedback, w.log, async () => undefined, drainMs);
    const dropped = () => w.lines.find((l) => l.includes('does not read its answers'));
    try {
      const mute = createConnection(await server.listen());
      mute.pause(); // never reads (so it never sees the server close either: the server's log tells)
      mute.on('error', () => undefined);
      await new Promise((r) => mute.once('connect', r));
      // Batches of 200 reports (about 9 KB of acks each), each decided before the next, until
      // the kernel's buffer is full and the server holds a full socket's worth (16 KB) for it.
      let sent = 0;
      while (server.backlog().unsent < 16 * 1024) {
        for (let i = 0; i < 200; i++)
          mute.write(`${JSON.stringify(report({ seq: ++sent, status: 429, key: 'ffffffffffff', wantsAck: true }))}\n`);
        await until(() => decided === sent || dropped() !== undefined, 10_000);
        assert.equal(dropped(), undefined, 'not dropped while it reads and stays under the byte cap');
      }
      const quiet = Date.now();
      const held = server.backlog().unsent;
      await until(() => dropped() !== undefined, drainMs + 5000);
      const after = Date.now() - quiet;
      console.log(
        `      ${sent} reports acked into a socket nobody reads; ${held} B held (cap ${MAX_UNSENT}); dropped ${after} ms after it went quiet (drain time ${drainMs} ms)`,
      );
      console.log(`      ${dropped()}`);
      assert.ok(held < MAX_UNSENT);
      assert.match(dropped() ?? '', /no answer read for 1000 ms/);
      assert.ok(after < drainMs + 2000, `${after} ms`);
      await until(() => server.status().pids.length === 0);
      assert.deepEqual(server.backlog(), { unsent: 0, pending: 0 });
      mute.destroy();
    } finally {
      server.dispose();
      t.cleanup();
    }
  });
});
