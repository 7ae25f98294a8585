import { messageOf } from '../faults';
// Pi Accounts' end of the channel: a Unix socket server that hands each report of a connected
// pi to the feedback port and answers with the decision. Several pi processes connect at once;
// each window listens on its own socket in the shared private directory.
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Emitter } from '../events';
import { parseJson } from '../json';
import type { Logger } from '../log';
import type { PiDecision } from './feedback';
import { ensurePrivateDir, removeStaleSockets, socketName } from './channel-dir';
import type { AccountsDesk } from './accounts-desk';
import { bounded } from '../redact';
import {
  ACCOUNTS_PROTOCOL,
  fromPiSchema,
  lineReader,
  boundUsable,
  PROTOCOL,
  type AccountsAsk,
  type PiReport,
  type Usable,
  type PiRequest,
  type ToPi,
  type UseAsk,
} from './protocol';

/** More connections than this are refused: one per running pi is the expected load. */
const MAX_CLIENTS = 64;
/**
 * Per connection, reports read but not yet decided: at this many we stop reading from it, so a
 * pi that sends faster than we decide waits in its own socket buffer, not in our memory.
 */
const MAX_PENDING = 32;
/** Answers (acks, reloads) a pi has not read yet, in bytes: one that lets more pile up is dropped. */
export const MAX_UNSENT = 64 * 1024;
/** A pi that reads none of its answers for this long (its socket stays full) is dropped. */
export const DRAIN_MS = 5000;
/**
 * When a socket counts as full (`write` returns false, reading from it stops, DRAIN_MS runs).
 * Node 22 raised the default high-water mark from 16 KB to 64 KB (nodejs/node#52037), equal to
 * MAX_UNSENT: the byte cap then always came first and a pi that stopped below it was never dropped.
 */
const HIGH_WATER = 16 * 1024;

interface Client {
  pid?: number;
  /** pi's version, as its hello said. */
  piVersion?: string;
  /** Reports read and waiting for their decision. */
  pending: number;
  /** Set while the socket is full: drops the client unless it reads in time. */
  stalled?: NodeJS.Timeout;
}

export interface LastReport {
  readonly at: number;
  readonly pid: number;
  readonly seq: number;
  readonly provider: string;
  readonly status: number;
  readonly summary: string;
}

/**
 * The oldest pi that reads everything Pi Accounts writes: Azure as `azure` (1.0.3), `env` values
 * on api_key credentials (0.79.5), "$$" in keys and headers (0.77.0), and that re-reads auth.json
 * by itself (0.84.0) (@earendil-works/pi-coding-agent CHANGELOG.md).
 */
export const MIN_PI_VERSION = '1.0.3';

/** Whether a pi version (as its package.json says) is older than `min`. */
export function olderThan(version: string, min = MIN_PI_VERSION): boolean {
  const parts = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 3)
      .map((x) => Number.parseInt(x, 10) || 0);
  const [a, b] = [parts(version), parts(min)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

export interface LinkStatus {
  /** pi processes connected right now (their process ids). */
  readonly pids: readonly number[];
  /** The pi versions connected right now (from their hello; "unknown" when it did not say). */
  readonly piVersions: readonly string[];
  readonly last?: LastReport;
  /** The last failed request pi reported (429, 401…) and what it caused. */
  readonly lastFailure?: LastReport;
}

export class PiLinkServer {
  private server?: Server;
  private path?: string;
  private readonly clients = new Map<Socket, Client>();
  private queue: Promise<unknown> = Promise.resolve();
  private last?: LastReport;
  private lastFailure?: LastReport;
  private readonly changed = new Emitter<void>("pi's reports");
  private desk?: Pick<AccountsDesk, 'list' | 'use'>;
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly dir: string,
    private readonly feedback: {
      report(r: PiReport): Promise<PiDecision>;
      /** A request's start or end (in-flight counts); a pi that disconnected (`gone`). */
      request?(r: PiRequest): void;
      gone?(pid: number): void;
      /** Fingerprints of the keys that can still be used (sticky sessions, feedback.ts). */
      usable?(): Usable;
    },
    private readonly log: Logger,
    /** Runs before pi is told to re-read auth.json: writes the new account there. */
    private readonly beforeReload: () => Promise<unknown> = async () => undefined,
    /** Tests shorten the time a pi that does not read is given. */
    private readonly drainMs = DRAIN_MS,
  ) {}

  /** Starts listening; resolves with the socket path. */
  async listen(): Promise<string> {
    ensurePrivateDir(this.dir);
    removeStaleSockets(this.dir);
    const path = join(this.dir, socketName(process.pid, randomBytes(4).toString('hex')));
    const server = createServer({ highWaterMark: HIGH_WATER }, (socket) => this.accept(socket));
    server.maxConnections = MAX_CLIENTS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => (server.off('error', reject), resolve()));
    });
    server.on('error', (e) => this.log.warn(`pi channel: ${e.message}`));
    this.server = server;
    this.path = path;
    return path;
  }

  status(): LinkStatus {
    return {
      pids: [...this.clients.values()].flatMap((c) => (c.pid ? [c.pid] : [])),
      piVersions: [...new Set([...this.clients.values()].flatMap((c) => (c.pid ? [c.piVersion ?? 'unknown'] : [])))],
      last: this.last,
      lastFailure: this.lastFailure,
    };
  }

  /** Answers not yet read and reports not yet decided, over all connections (for the log and tests). */
  backlog(): { unsent: number; pending: number } {
    let unsent = 0;
    let pending = 0;
    for (const [socket, c] of this.clients) {
      unsent += socket.writableLength;
      pending += c.pending;
    }
    return { unsent, pending };
  }

  /** Answers pi's `/accounts` from now on (without it, `/accounts` hears that this window does not). */
  serveAccounts(desk: Pick<AccountsDesk, 'list' | 'use'>): void {
    this.desk = desk;
  }

  /**
   * Tells every connected pi to re-read auth.json (the active account or a token changed). With
   * `usable` the switch is soft (rotation's own): a pi session keeps its key while that key's
   * fingerprint is listed (sticky sessions, protocol.ts's reloadSchema); without, every pi moves.
   */
  reload(usable?: Usable): void {
    const m: ToPi = usable
      ? { v: PROTOCOL, type: 'reload', soft: true, usable: boundUsable(usable) }
      : { v: PROTOCOL, type: 'reload' };
    for (const socket of this.clients.keys()) this.send(socket, m);
  }

  dispose(): void {
    for (const socket of this.clients.keys()) socket.destroy();
    this.server?.close();
    if (this.path) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    this.changed.dispose();
  }

  private accept(socket: Socket): void {
    const client: Client = { pending: 0 };
    this.clients.set(socket, client);
    let complaints = 0;
    const malformed = (why: string) => {
      if (complaints++ < 3)
        this.log.warn(`pi channel: ignored a malformed message${client.pid ? ` from pi ${client.pid}` : ''} (${why}).`);
    };
    socket.on(
      'data',
      lineReader(
        (line) => {
          const parsed = fromPiSchema.safeParse(parseJson(line));
          if (!parsed.success) return malformed(`${line.length} bytes that are not a report`);
          const m = parsed.data;
          client.pid = m.pid;
          if (m.type === 'hello') {
            client.piVersion = m.piVersion;
            const v = m.piVersion ? `pi ${m.piVersion}` : 'a pi that did not say its version';
            this.log.info(`pi ${m.pid} connected: ${v}, companion ${m.companion ?? '1'}.`);
            if (m.piVersion && olderThan(m.piVersion))
              this.log.warn(
                `pi ${m.pid} is pi ${m.piVersion}, older than ${MIN_PI_VERSION}: it does not read all of what Pi Accounts writes to auth.json (Azure as "azure", Bedrock/Vertex/Azure/Cloudflare values, "$" in keys). Update pi (npm install -g @earendil-works/pi-coding-agent).`,
              );
            return this.changed.fire();
          }
          if (m.type === 'accounts') return this.list(socket, m);
          if (m.type === 'use') {
            // In line with the reports: a switch by hand and a 429's switch never interleave.
            this.queue = this.queue
              .then(() => this.use(socket, m))
              .catch((e: unknown) => this.log.warn(`pi channel: ${messageOf(e)}`));
            return;
          }
          // In the queue: a request's start is counted before the report of its answer.
          if (m.type === 'request') {
            this.queue = this.queue
              .then(() => this.feedback.request?.(m))
              .catch((e: unknown) => this.log.warn(`pi channel: ${messageOf(e)}`));
            return;
          }
          // Backpressure: with MAX_PENDING reports waiting, read no more from this pi until
          // they are decided (its own socket buffer holds the rest, and then its writes wait).
          if (++client.pending >= MAX_PENDING) socket.pause();
          // One decision at a time: two reports of the same 429 must not both rotate.
          this.queue = this.queue
            .then(() => this.handle(socket, m))
            .catch((e: unknown) => this.log.warn(`pi channel: ${messageOf(e)}`))
            .finally(() => {
              client.pending--;
              if (!client.stalled && client.pending < MAX_PENDING) socket.resume();
            });
        },
        () => malformed('longer than the limit'),
      ),
    );
    socket.on('drain', () => {
      clearTimeout(client.stalled);
      client.stalled = undefined;
      if (client.pending < MAX_PENDING) socket.resume();
    });
    const gone = () => {
      clearTimeout(client.stalled);
      // In the queue, after any start of this pi still waiting there: else that start would be
      // counted after the drop and stay in flight until it expires.
      const pid = client.pid;
      if (pid !== undefined)
        this.queue = this.queue
          .then(() => this.feedback.gone?.(pid))
          .catch((e: unknown) => this.log.warn(`pi channel: ${messageOf(e)}`));
      if (this.clients.delete(socket)) this.changed.fire();
    };
    socket.on('close', gone);
    socket.on('error', () => socket.destroy());
  }

  private list(socket: Socket, m: AccountsAsk): void {
    const l = this.desk?.list(m.provider) ?? { label: m.provider, accounts: [] };
    this.send(socket, { v: ACCOUNTS_PROTOCOL, type: 'accounts', seq: m.seq, provider: m.provider, ...l });
  }

  private async use(socket: Socket, m: UseAsk): Promise<void> {
    const r = this.desk
      ? await this.desk.use(m.provider, m.account)
      : { ok: false, message: 'This Pi Accounts window does not switch accounts for pi: update Pi Accounts.' };
    this.log.info(`pi ${m.pid} /accounts: ${m.provider} → ${m.account}: ${r.message}`);
    // auth.json (and models.json) hold the account before pi hears "done": its next request carries it.
    if (r.ok)
      await this.beforeReload().catch((e: unknown) =>
        this.log.warn(`pi channel: could not update auth.json: ${messageOf(e)}`),
      );
    this.send(socket, { v: ACCOUNTS_PROTOCOL, type: 'used', seq: m.seq, ok: r.ok, message: bounded(r.message, 500) });
    this.changed.fire();
  }

  private async handle(socket: Socket, r: PiReport): Promise<void> {
    let d: PiDecision;
    try {
      d = await this.feedback.report(r);
    } catch (e) {
      // pi holds its retry until the ack: it gets one whatever went wrong here.
      this.log.warn(`pi channel: report #${r.seq} of pi ${r.pid} could not be decided: ${(e as Error).message}`);
      d = { reload: false, summary: 'not decided (see the log)' };
    }
    // Only a failed request waits for an answer; a switch reaches the others by `reload()`.
    if (r.wantsAck) {
      if (d.reload)
        await this.beforeReload().catch((e: unknown) =>
          this.log.warn(`pi channel: could not update auth.json: ${messageOf(e)}`),
        );
      this.send(socket, { v: PROTOCOL, type: 'ack', seq: r.seq, reload: d.reload });
    }
    // Sticky sessions: another pi session pinned to the key that just failed leaves it before its
    // next request, not after a failure of its own (a soft reload whose list no longer has it).
    if (r.status >= 400 && this.feedback.usable) {
      const usable = boundUsable(this.feedback.usable());
      for (const other of this.clients.keys())
        if (other !== socket) this.send(other, { v: PROTOCOL, type: 'reload', soft: true, usable });
    }
    this.last = { at: Date.now(), pid: r.pid, seq: r.seq, provider: r.provider, status: r.status, summary: d.summary };
    if (r.status >= 400) this.lastFailure = this.last;
    this.changed.fire();
  }

  /**
   * Writes one answer. A pi that does not read its answers is dropped: at once when MAX_UNSENT
   * bytes wait for it, else after `drainMs` with its socket full (no reading from it meanwhile).
   */
  private send(socket: Socket, m: ToPi): void {
    if (socket.destroyed) return;
    const client = this.clients.get(socket);
    const full = !socket.write(`${JSON.stringify(m)}\n`);
    if (socket.writableLength > MAX_UNSENT) return this.drop(socket, client, `${socket.writableLength} bytes unread`);
    if (!full || !client || client.stalled) return;
    socket.pause();
    client.stalled = setTimeout(() => this.drop(socket, client, `no answer read for ${this.drainMs} ms`), this.drainMs);
    client.stalled.unref();
  }

  private drop(socket: Socket, client: Client | undefined, why: string): void {
    this.log.warn(
      `pi channel: disconnected ${client?.pid ? `pi ${client.pid}` : 'a client'}: it does not read its answers (${why}).`,
    );
    socket.destroy();
  }
}
