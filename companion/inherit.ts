// Subagents share their parent's account. pi 1.x has no subagents of its own: extensions such
// as its example `subagent` (@earendil-works/pi-coding-agent 1.6.0, examples/extensions/subagent)
// start `pi --mode json -p --no-session …` as a child process with the parent's environment, and
// pi's bash runs commands with it too. So a pi whose session pins a key (sticky.ts) offers its
// pins to its own children: a socket in the private channel directory whose name and a secret
// (32 random bytes) go in the environment it passes down (PARENT_ENV). A child pi's companion
// reads the pins once at its start and sends the same keys.
// The guards: the socket is made only in this user's private channel directory (0700, ours: the
// rule of channel-dir.ts) and is itself 0600 and ours, or it is closed at once; it answers only a
// peer that sends the secret (compared in constant time: a process that merely sees the socket
// learns nothing), with a question of at most MAX_ASK bytes within ASK_MS; it hands over only the
// pins the window vouches for (sticky.ts); it closes when the parent's session ends or pi exits.
// A child checks the same directory and socket rules before it connects and bounds the answer.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { parseJson } from '../src/core/json';
import { isOwnSocket, isPrivateDir } from '../src/core/pi-link/channel-dir';
import type { Inherited, Pins } from './sticky';

/** `<socket name>:<secret>`, inherited by every process the parent pi starts. */
export const PARENT_ENV = 'PI_ACCOUNTS_PARENT';
/** A child waits at most this long for its parent's pins (it starts without them after). */
export const INHERIT_MS = 1000;
/** The parent waits at most this long for a child's question. */
export const ASK_MS = 1000;
/** A question is one short line: more than this and the parent hangs up. */
export const MAX_ASK = 256;
const MAX_ANSWER = 64 * 1024;
const MAX_PROVIDERS = 50;

const VALUE = /^(pi-\d{1,10}-[0-9a-f]{16}\.pins):([0-9a-f]{64})$/;

const askSchema = z.object({ v: z.literal(1), type: z.literal('pins?'), secret: z.string().check(z.maxLength(64)) });
const fp = z.string().check(z.regex(/^[0-9a-f]{12}$/));
const provider = z.string().check(z.maxLength(100));
const fewProviders = (r: Record<string, unknown>) => Object.keys(r).length <= MAX_PROVIDERS;
const answerSchema = z.object({
  v: z.literal(1),
  type: z.literal('pins'),
  pins: z
    .record(
      provider,
      z.object({
        key: z.string().check(z.minLength(1), z.maxLength(8192)),
        origin: z.string().check(z.maxLength(300), z.regex(/^https?:\/\/[^/?#\s]+$/)),
      }),
    )
    .check(z.refine(fewProviders)),
  usable: z.record(provider, z.array(fp).check(z.maxLength(500))).check(z.refine(fewProviders)),
});

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Equal-length digests, so the comparison takes the same time whatever the guess. */
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** Whether `path` is a socket of this user closed to group and others. */
const privateSocket = (path: string) => {
  const st = lstatSync(path);
  return isOwnSocket(st) && (st.mode & 0o077) === 0;
};

/**
 * Offers this pi's pins to the processes it starts; resolves with what ends the offer (pi's
 * shutdown). Nothing is offered unless `dir` is this user's private channel directory.
 */
export async function offerToChildren(
  dir: string,
  pins: Pick<Pins, 'forChildren'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<() => void> {
  const none = () => undefined;
  try {
    if (!isPrivateDir(lstatSync(dir))) return none;
  } catch {
    return none; // no directory (no window yet): nothing to offer
  }
  const name = `pi-${process.pid}-${randomBytes(8).toString('hex')}.pins`;
  const path = join(dir, name);
  const secret = randomBytes(32).toString('hex');
  const server = createServer((s) => {
    let text = '';
    const timer = setTimeout(() => s.destroy(), ASK_MS);
    timer.unref();
    const hangUp = () => (clearTimeout(timer), s.destroy());
    s.on('error', hangUp);
    s.on('data', (d) => {
      text += d.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (text.length > MAX_ASK) hangUp();
        return;
      }
      const m = nl <= MAX_ASK ? askSchema.safeParse(parseJson(text.slice(0, nl))) : undefined;
      if (!m?.success || !sameSecret(m.data.secret, secret)) return hangUp();
      clearTimeout(timer);
      s.end(`${JSON.stringify({ v: 1, type: 'pins', ...pins.forChildren() })}\n`, () => s.destroy());
    });
  });
  server.maxConnections = 8;
  server.on('error', () => undefined);
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(path, () => resolve(true));
  });
  const remove = () => {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  };
  const stop = () => {
    server.close();
    remove();
    process.off('exit', remove);
    if (env[PARENT_ENV]?.startsWith(`${name}:`)) delete env[PARENT_ENV];
  };
  if (!listening) return none;
  try {
    // The directory already keeps others out; the socket's own mode says the same where it counts.
    chmodSync(path, 0o600);
    if (!privateSocket(path)) throw new Error('not a private socket');
  } catch {
    stop();
    return none;
  }
  server.unref(); // pi exits when it is done
  process.once('exit', remove);
  env[PARENT_ENV] = `${name}:${secret}`;
  return stop;
}

/** The parent's pins, read once; empty when there is no parent, it does not answer, or anything is not as it must be. */
export function inheritPins(value: string | undefined, dir: string): Promise<Inherited> {
  const none: Inherited = { pins: {}, usable: {} };
  return new Promise((resolve) => {
    const v = value ? VALUE.exec(value) : null;
    if (!v) return resolve(none);
    const path = join(dir, v[1]);
    try {
      if (!isPrivateDir(lstatSync(dir)) || !privateSocket(path)) return resolve(none);
    } catch {
      return resolve(none);
    }
    let text = '';
    const socket = connect(path);
    const done = (r: Inherited) => (clearTimeout(timer), socket.destroy(), resolve(r));
    const timer = setTimeout(() => done(none), INHERIT_MS);
    socket.on('connect', () => socket.write(`${JSON.stringify({ v: 1, type: 'pins?', secret: v[2] })}\n`));
    socket.on('data', (d) => {
      text += d.toString('utf8');
      if (text.length > MAX_ANSWER) done(none);
    });
    socket.on('end', () => {
      const m = answerSchema.safeParse(parseJson(text.trim()));
      done(m.success ? m.data : none);
    });
    socket.on('error', () => done(none));
  });
}
