// Issue 26, item 1: the companion's end of the channel (companion/link.ts) applies the window's
// rules to the channel directory. A directory another user created (or anyone may enter) and a
// socket another user planted get nothing: no connection, no hello, no report. Ownership by a
// second uid needs root to arrange (chown), as the other permission tests do.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Link, windowsListening } from '../../companion/link';
import { PROTOCOL, type PiHello } from '../../src/core/pi-link/protocol';
import { tempDir, until } from './helpers';
import { report } from './pi-window';

const OTHER = 4242;

/** A socket someone planted: counts the connections and bytes it gets, and would ack anything. */
async function planted(path: string) {
  const seen = { connections: 0, bytes: 0 };
  const server: Server = createServer((s) => {
    seen.connections++;
    s.on('data', (d) => {
      seen.bytes += d.length;
      s.write(`${JSON.stringify({ v: PROTOCOL, type: 'reload' })}\n`);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { seen, close: () => new Promise((r) => server.close(r)) };
}

const hello: PiHello = { v: PROTOCOL, type: 'hello', pid: process.pid, companion: 'test' };

describe('companion link: the channel directory', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(function () {
    if (process.getuid?.() !== 0) this.skip(); // chown to a second uid needs root
    t = tempDir();
  });
  afterEach(() => t?.cleanup());

  const cases: [string, (dir: string, sock: string) => void][] = [
    ['a directory of ours open to everyone (0777)', (dir) => chmodSync(dir, 0o777)],
    ['a directory of ours readable by others (0755)', (dir) => chmodSync(dir, 0o755)],
    [
      "another user's directory (0755, uid 4242) with their socket",
      (dir, sock) => (chownSync(dir, OTHER, OTHER), chmodSync(dir, 0o755), chownSync(sock, OTHER, OTHER)),
    ],
    ["another user's directory even at 0700 (uid 4242)", (dir) => chownSync(dir, OTHER, OTHER)],
    ['our private directory, but a socket of uid 4242 in it', (_dir, sock) => chownSync(sock, OTHER, OTHER)],
  ];
  for (const [title, spoil] of cases)
    it(`stays away from ${title}; connects once the directory and socket are ours and private`, async () => {
      const dir = join(t.dir, 'pi-accounts-0');
      mkdirSync(dir, { mode: 0o700 });
      const sock = join(dir, 'window-1-abcd.sock');
      const p = await planted(sock);
      let reloads = 0;
      const link = new Link(dir, hello, () => reloads++);
      try {
        assert.equal(windowsListening(dir), true);
        spoil(dir, sock);
        assert.equal(windowsListening(dir), false, 'pi does not wait for it at session start');
        await link.scan();
        assert.equal(link.opened, 0, 'no connection was even attempted');
        assert.equal(link.connected(), false);
        assert.equal(await link.send(report({ status: 429, wantsAck: true })), false, 'no report, no wait');
        // The control: the same socket in a private directory of ours is used.
        chownSync(dir, 0, 0);
        chmodSync(dir, 0o700);
        chownSync(sock, 0, 0);
        await link.scan();
        await until(() => p.seen.bytes > 0);
        assert.equal(p.seen.connections, 1);
      } finally {
        link.close();
        await p.close();
      }
    });

  it('a symlink to a private directory is refused (the window refuses it too)', async () => {
    const real = join(t.dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const p = await planted(join(real, 'window-1-abcd.sock'));
    const dir = join(t.dir, 'pi-accounts-0');
    symlinkSync(real, dir);
    const link = new Link(dir, hello, () => undefined);
    try {
      assert.equal(windowsListening(dir), false);
      await link.scan();
      assert.equal(link.opened, 0);
      assert.equal(p.seen.connections, 0);
    } finally {
      link.close();
      await p.close();
    }
  });
});
