// Subagents share their parent's account. pi 1.x has no subagents of its own: extensions such
// as its example `subagent` (@earendil-works/pi-coding-agent 1.6.0, examples/extensions/subagent)
// start `pi --mode json -p --no-session …` as a child process with the parent's environment, and
// pi's bash runs commands with it too. So a pi whose session pins a key (sticky.ts) offers its
// pins to its own children: a socket in the private channel directory, named in the environment
// it passes down (PARENT_ENV). A child pi's companion reads the pins once at its start and sends
// the same keys. The keys go from a pi to its own child over a same-user socket in a directory
// only this user can enter (the rule of channel-dir.ts), never to a Pi Accounts window.
import { lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { parseJson } from '../src/core/json';
import { isOwnSocket, isPrivateDir } from '../src/core/pi-link/channel-dir';
import type { Pins } from './sticky';

/** The parent pi's socket, inherited by every process it starts. */
export const PARENT_ENV = 'PI_ACCOUNTS_PARENT';
/** A child waits at most this long for its parent's pins (it starts without them after). */
export const INHERIT_MS = 1000;
const MAX_ANSWER = 64 * 1024;

const pinsSchema = z.object({
  v: z.literal(1),
  type: z.literal('pins'),
  pins: z.record(z.string().check(z.maxLength(100)), z.string().check(z.minLength(1), z.maxLength(8192))),
});

/**
 * Offers `pins` to the processes this pi starts; returns what ends it (pi's shutdown). Nothing
 * happens unless `dir` is this user's private channel directory.
 */
export function offerToChildren(dir: string, pins: Pins): () => void {
  const path = join(dir, `pi-${process.pid}.pins`);
  try {
    if (!isPrivateDir(lstatSync(dir))) return () => undefined;
    unlinkSync(path);
  } catch {
    // no directory (no window yet): nothing to offer; or no old socket to remove
  }
  const server = createServer((s) => {
    s.on('error', () => s.destroy());
    s.end(`${JSON.stringify({ v: 1, type: 'pins', pins: pins.all() })}\n`);
  });
  server.on('error', () => undefined);
  try {
    server.listen(path);
    server.unref(); // pi exits when it is done
  } catch {
    return () => undefined;
  }
  process.env[PARENT_ENV] = path;
  return () => {
    server.close();
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  };
}

/** The parent's pins (provider → key), read once; empty when there is no parent or it does not answer. */
export function inheritPins(path: string | undefined, dir: string): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    if (!path || !path.startsWith(join(dir, 'pi-'))) return resolve({});
    try {
      if (!isPrivateDir(lstatSync(dir)) || !isOwnSocket(lstatSync(path))) return resolve({});
    } catch {
      return resolve({});
    }
    let text = '';
    const socket = connect(path);
    const done = (pins: Record<string, string>) => (clearTimeout(timer), socket.destroy(), resolve(pins));
    const timer = setTimeout(() => done({}), INHERIT_MS);
    socket.on('data', (d) => {
      text += d.toString('utf8');
      if (text.length > MAX_ANSWER) done({});
    });
    socket.on('end', () => {
      const m = pinsSchema.safeParse(parseJson(text.trim()));
      done(m.success ? m.data.pins : {});
    });
    socket.on('error', () => done({}));
  });
}
