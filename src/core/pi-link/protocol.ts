// The wire format between the pi companion (companion/index.ts, inside pi) and Pi Accounts:
// newline-delimited JSON over a same-user Unix socket. Shared by both sides, so it imports
// nothing but zod and node built-ins. No message ever carries a key: the companion names the
// key it used by a short hash (`fingerprint`), and a switch travels as "re-read auth.json".
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';

export const PROTOCOL = 1;
/** A line longer than this is dropped unread: a report is a status and a dozen headers. */
export const MAX_LINE = 16 * 1024;
/** The companion waits at most this long for the decision on a failed request. */
export const ACK_TIMEOUT_MS = 1500;

const headers = z.record(z.string().check(z.maxLength(100)), z.string().check(z.maxLength(500)));

/** One provider answer pi received: the companion sends one per request. */
export const reportSchema = z.object({
  v: z.literal(PROTOCOL),
  type: z.literal('report'),
  /** pi's process id and its request counter: "pi 4711 #3" in the log. */
  pid: z.number(),
  seq: z.number(),
  provider: z.string().check(z.maxLength(100)),
  model: z.optional(z.string().check(z.maxLength(200))),
  status: z.number(),
  headers,
  /** `fingerprint()` of the key pi sent, when pi read it from auth.json. */
  key: z.optional(z.string().check(z.maxLength(16))),
  /** Milliseconds from the request to its answer's headers, when the companion measured it (health). */
  ms: z.optional(z.number().check(z.nonnegative())),
  /** pi's error text for a failed request (first 300 characters). */
  error: z.optional(z.string().check(z.maxLength(300))),
  /** The companion asks for an answer (failed requests): it holds pi's retry until then. */
  wantsAck: z.optional(z.boolean()),
});
export type PiReport = z.infer<typeof reportSchema>;

/**
 * A request pi starts or ends (companion 3 on): in-flight counts for the balancer. `id` is the
 * companion's own request counter; `session` is pi's session id (ctx.sessionManager.getSessionId(),
 * pi 1.x) for sticky sessions. A window that predates this message ignores it (as malformed);
 * the companion keeps reporting answers as before, so nothing else depends on it.
 */
export const requestSchema = z.object({
  v: z.literal(PROTOCOL),
  type: z.literal('request'),
  phase: z.enum(['start', 'end']),
  pid: z.number(),
  id: z.number(),
  provider: z.string().check(z.maxLength(100)),
  key: z.optional(z.string().check(z.maxLength(16))),
  session: z.optional(z.string().check(z.maxLength(100))),
});
export type PiRequest = z.infer<typeof requestSchema>;

export const helloSchema = z.object({
  v: z.literal(PROTOCOL),
  type: z.literal('hello'),
  pid: z.number(),
  piVersion: z.optional(z.string().check(z.maxLength(40))),
  companion: z.optional(z.string().check(z.maxLength(40))),
});
export type PiHello = z.infer<typeof helloSchema>;

/**
 * pi's `/accounts` (companion 3): requests pi makes and the window's answers carry version 2;
 * reports, hellos, acks and reloads keep version 1, so a window and a companion of different
 * releases still understand each other's reports (an older window drops a version-2 request
 * as malformed, and the companion says so after ASK_TIMEOUT_MS).
 */
export const ACCOUNTS_PROTOCOL = 2;
/** The companion gives up on an answer to `/accounts` after this long (the window may be busy or old). */
export const ASK_TIMEOUT_MS = 3000;

const name = z.string().check(z.minLength(1), z.maxLength(100));
/** pi asks for the accounts of a provider (the list for `/accounts` and its footer status). */
export const accountsAskSchema = z.object({
  v: z.literal(ACCOUNTS_PROTOCOL),
  type: z.literal('accounts'),
  pid: z.number(),
  seq: z.number(),
  provider: name,
});
/** pi asks to make `account` the one in use for `provider` (chosen in `/accounts`). */
export const useAskSchema = z.object({
  v: z.literal(ACCOUNTS_PROTOCOL),
  type: z.literal('use'),
  pid: z.number(),
  seq: z.number(),
  provider: name,
  account: name,
});
export type AccountsAsk = z.infer<typeof accountsAskSchema>;
export type UseAsk = z.infer<typeof useAskSchema>;

/** One account as `/accounts` shows it: names, figures and words only, never a key. */
export const accountRowSchema = z.object({
  name,
  inUse: z.boolean(),
  /** Usage windows the provider reported ("5h" 42 %), the fullest first. */
  usage: z.array(z.object({ label: z.string().check(z.maxLength(40)), usedPercent: z.number() })).check(z.maxLength(8)),
  /** Health 0 … 100, when the window saw answers for it. */
  health: z.optional(z.number().check(z.gte(0), z.lte(100))),
  /** Why it rests or waits for the person, in words, and until when (epoch ms). */
  hold: z.optional(z.string().check(z.maxLength(300))),
  until: z.optional(z.number()),
  /** Disabled until the person acts (a refused key, a disabled organisation, no balance left). */
  disabled: z.optional(z.boolean()),
});
export type AccountRow = z.infer<typeof accountRowSchema>;

export const accountsAnswerSchema = z.object({
  v: z.literal(ACCOUNTS_PROTOCOL),
  type: z.literal('accounts'),
  seq: z.number(),
  provider: name,
  /** The provider's name as people know it ("Anthropic"). */
  label: z.string().check(z.maxLength(100)),
  accounts: z.array(accountRowSchema).check(z.maxLength(100)),
});
export const usedAnswerSchema = z.object({
  v: z.literal(ACCOUNTS_PROTOCOL),
  type: z.literal('used'),
  seq: z.number(),
  ok: z.boolean(),
  /** In words, for pi's notification: what changed, or why nothing did and what to do. */
  message: z.string().check(z.maxLength(500)),
});
export type AccountsAnswer = z.infer<typeof accountsAnswerSchema>;
export type UsedAnswer = z.infer<typeof usedAnswerSchema>;

/** At most this many fingerprints in a soft reload (every account of every provider). */
export const MAX_USABLE = 500;

/** provider → fingerprints of its keys a pi session may keep (never a key: 12 hex characters each). */
export type Usable = Record<string, string[]>;

/** `u` cut to MAX_USABLE fingerprints in all, so the message always parses on the other side. */
export function boundUsable(u: Usable): Usable {
  let left = MAX_USABLE;
  const out: Usable = {};
  for (const [provider, fps] of Object.entries(u)) {
    if (left <= 0) break;
    out[provider] = fps.slice(0, left);
    left -= out[provider].length;
  }
  return out;
}

/**
 * "Re-read auth.json": the account in use changed. Sticky sessions (companion 4 on): `soft` says
 * the switch was rotation's own (round-robin, the balancer, another pi's failure), so a pi session
 * may keep the key it last used with success as long as its fingerprint is listed in `usable`
 * under the same provider (accounts that neither rest nor wait for the person); a reload without
 * `soft` (a switch by hand, the mode changed, an older window) moves every session. Both fields
 * are optional so an older companion (which strips what it does not know) still reads the
 * message as before.
 */
export const reloadSchema = z.object({
  v: z.literal(PROTOCOL),
  type: z.literal('reload'),
  soft: z.optional(z.boolean()),
  usable: z.optional(
    z
      .record(z.string().check(z.maxLength(100)), z.array(z.string().check(z.regex(/^[0-9a-f]{12}$/))))
      .check(
        z.refine(
          (u) => Object.values(u).reduce((n, fps) => n + fps.length, 0) <= MAX_USABLE,
          'at most MAX_USABLE fingerprints',
        ),
      ),
  ),
});
export type PiReload = z.infer<typeof reloadSchema>;

export const toPiSchema = z.union([
  z.object({ v: z.literal(PROTOCOL), type: z.literal('ack'), seq: z.number(), reload: z.boolean() }),
  reloadSchema,
  accountsAnswerSchema,
  usedAnswerSchema,
]);
export type ToPi = z.infer<typeof toPiSchema>;

export const fromPiSchema = z.union([reportSchema, helloSchema, requestSchema, accountsAskSchema, useAskSchema]);
export type FromPi = z.infer<typeof fromPiSchema>;

/**
 * Which key a request used, without the key: 12 hex digits of its SHA-256. Enough to tell the
 * accounts of one person apart, far too little to recover or guess a key from.
 */
export const fingerprint = (secret: string): string => createHash('sha256').update(secret).digest('hex').slice(0, 12);

/** Rate-limit and usage headers worth sending; everything else a provider answers stays in pi. */
export const isUsageHeader = (name: string): boolean =>
  name === 'retry-after' ||
  name === 'retry-after-ms' ||
  name.startsWith('anthropic-ratelimit-') ||
  name.startsWith('x-ratelimit-') ||
  name.startsWith('x-codex-');

/**
 * Splits a byte stream into lines of at most MAX_LINE bytes; longer lines are skipped whole and
 * reported once through `tooLong`. Each complete line goes to `line`.
 */
export function lineReader(line: (text: string) => void, tooLong: () => void): (chunk: Buffer) => void {
  let buf = '';
  let skipping = false;
  return (chunk) => {
    let text = chunk.toString('utf8');
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (!skipping) buf += text;
        if (buf.length > MAX_LINE) {
          skipping = true;
          buf = '';
          tooLong();
        }
        return;
      }
      const part = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (skipping) skipping = false;
      else if (buf.length + part.length <= MAX_LINE) line(buf + part);
      else tooLong();
      buf = '';
    }
  };
}
