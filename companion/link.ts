// The companion's end of the channel: finds the Pi Accounts windows' sockets, keeps one
// connection to each, sends reports and waits (bounded) for the decision on failed requests.
// Never throws and never writes to pi's output: with no window listening it does nothing.
// It connects only to sockets of this user in a directory private to this user, the rule the
// window applies when it creates the directory (channel-dir.ts): a directory someone else made
// under /tmp, or a socket someone else planted, gets no hello and no report.
import { lstatSync, readdirSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseJson } from '../src/core/json';
import { isOwnSocket, isPrivateDir, type Owned } from '../src/core/pi-link/channel-dir';
import {
  ACK_TIMEOUT_MS,
  ASK_TIMEOUT_MS,
  lineReader,
  toPiSchema,
  type AccountsAnswer,
  type AccountsAsk,
  type PiHello,
  type PiReload,
  type PiReport,
  type PiRequest,
  type UseAsk,
  type UsedAnswer,
} from '../src/core/pi-link/protocol';

/**
 * Whether a Pi Accounts window has a socket in the channel directory, by the rules `scan` uses:
 * pi waits for the connection at session start only then, never for a directory or socket of
 * someone else (that cost every pi start half a second and a look inside it).
 */
export function windowsListening(dir: string): boolean {
  const own = (path: string, judge: (st: Owned) => boolean) => {
    try {
      return judge(lstatSync(path));
    } catch {
      return false; // absent, or gone meanwhile
    }
  };
  if (!own(dir, isPrivateDir)) return false;
  try {
    return readdirSync(dir).some((n) => n.endsWith('.sock') && own(join(dir, n), isOwnSocket));
  } catch {
    return false;
  }
}

/** A directory scan at most this often: a window that opens is found within this time. */
const SCAN_MS = 3000;

export class Link {
  private readonly sockets = new Map<string, Socket>();
  /** Sockets whose connection is up: a report never waits on one that may turn out stale. */
  private readonly ready = new Set<Socket>();
  private readonly waiting = new Map<number, (reload: boolean) => void>();
  /** `/accounts` questions waiting for their answer, by seq. */
  private readonly asks = new Map<number, (answer: AccountsAnswer | UsedAnswer) => void>();
  private lastScan = 0;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly hello: PiHello,
    /**
     * Pi Accounts changed what auth.json holds for pi: a broadcast reload (soft or not), or
     * undefined for the answer to this pi's own failed request (always followed).
     */
    private readonly onReload: (r?: PiReload) => void,
    /** A window's connection is up (the footer asks it for the account in use). */
    private readonly onConnect: () => void = () => undefined,
    /**
     * A window's connection came up (true), or the last one went down (false): in between, this pi
     * may have missed a switch (sticky.ts's pins end on both).
     */
    private readonly onChannel: (up: boolean) => void = () => undefined,
  ) {}

  /** Whether some window is connected; looks for windows now and then, never blocking. */
  connected(): boolean {
    const now = Date.now();
    if (now - this.lastScan > SCAN_MS) {
      this.lastScan = now;
      void this.scan();
    }
    return this.ready.size > 0;
  }

  /** Sends to one window (the first connected): one decision per report, whatever the count of windows. */
  send(r: PiReport | PiRequest): Promise<boolean> {
    const socket = this.ready.values().next().value;
    if (!socket) return Promise.resolve(false);
    try {
      socket.write(`${JSON.stringify(r)}\n`);
    } catch {
      return Promise.resolve(false);
    }
    if (r.type !== 'report' || !r.wantsAck) return Promise.resolve(false);
    return new Promise((resolve) => {
      // Not unref'd: this timer keeps pi alive while it waits (the socket does not, see open()).
      const timer = setTimeout(() => (this.waiting.delete(r.seq), resolve(false)), ACK_TIMEOUT_MS);
      this.waiting.set(r.seq, (reload) => (clearTimeout(timer), resolve(reload)));
    });
  }

  /**
   * Asks the first connected window (the list for `/accounts`, a switch by hand); undefined when
   * none is connected or none answers within ASK_TIMEOUT_MS (an older window drops the question).
   */
  ask(q: AccountsAsk): Promise<AccountsAnswer | undefined>;
  ask(q: UseAsk): Promise<UsedAnswer | undefined>;
  ask(q: AccountsAsk | UseAsk): Promise<AccountsAnswer | UsedAnswer | undefined> {
    const socket = this.ready.values().next().value;
    if (!socket) return Promise.resolve(undefined);
    const wanted = q.type === 'use' ? 'used' : 'accounts';
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.asks.delete(q.seq), resolve(undefined)), ASK_TIMEOUT_MS);
      this.asks.set(q.seq, (a) => (clearTimeout(timer), resolve(a.type === wanted ? a : undefined)));
      try {
        socket.write(`${JSON.stringify(q)}\n`);
      } catch {
        clearTimeout(timer);
        this.asks.delete(q.seq);
        resolve(undefined);
      }
    });
  }

  /** Looks for windows now and waits (at most `ms`) until one is connected. */
  async reach(ms: number): Promise<boolean> {
    if (this.ready.size) return true;
    await this.scan();
    for (const end = Date.now() + ms; !this.ready.size && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 10));
    return this.ready.size > 0;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
    this.ready.clear();
  }

  /** Sockets open or opening (for tests: a scan that found nothing to trust opens none). */
  get opened(): number {
    return this.sockets.size;
  }

  /** Looks for windows now; `connected()` calls it at most every SCAN_MS. Never throws. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      if (!isPrivateDir(await lstat(this.dir))) return; // not ours: stay away
      names = await readdir(this.dir);
    } catch {
      return; // no Pi Accounts on this machine (yet)
    }
    for (const name of names) {
      if (this.closed || !name.endsWith('.sock') || this.sockets.has(name)) continue;
      try {
        if (!isOwnSocket(await lstat(join(this.dir, name)))) continue;
      } catch {
        continue; // gone meanwhile
      }
      if (!this.closed && !this.sockets.has(name)) this.open(name);
    }
  }

  private open(name: string): void {
    const socket = connect(join(this.dir, name));
    socket.unref(); // pi exits when it is done, connected or not
    this.sockets.set(name, socket);
    socket.on('connect', () => {
      this.ready.add(socket);
      this.onChannel(true);
      socket.write(`${JSON.stringify(this.hello)}\n`);
      if (this.ready.size === 1) this.onConnect();
    });
    socket.on(
      'data',
      lineReader(
        (line) => this.receive(line),
        () => undefined,
      ),
    );
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.ready.delete(socket) && !this.ready.size) this.onChannel(false);
      if (this.sockets.get(name) === socket) this.sockets.delete(name);
    });
  }

  private receive(line: string): void {
    const m = toPiSchema.safeParse(parseJson(line));
    if (!m.success) return;
    if (m.data.type === 'reload') return this.onReload(m.data);
    if (m.data.type === 'accounts' || m.data.type === 'used') {
      const answer = this.asks.get(m.data.seq);
      this.asks.delete(m.data.seq);
      return answer?.(m.data);
    }
    const resolve = this.waiting.get(m.data.seq);
    this.waiting.delete(m.data.seq);
    if (m.data.reload) this.onReload();
    resolve?.(m.data.reload);
  }
}
