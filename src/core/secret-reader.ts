// Reads a key from the person's password manager: the tool runs without a shell (a command of the
// person's own excepted), with bounded time and output, and each way it fails becomes a fault in
// words with the step that fixes it. Nothing here stores or logs the value.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import * as z from 'zod/mini';
import { Fault } from './faults';
import { parseJson } from './json';
import { refCommand, refLabel, toolInfo, TOOLS, type SecretRef, type SecretTool } from './secret-ref';

export interface ReadOptions {
  /** The environment the tool runs in (PATH, OP_SESSION_*, BWS_ACCESS_TOKEN, GNUPGHOME…). */
  readonly env?: NodeJS.ProcessEnv;
  /** A biometric or passphrase prompt may be waiting for the person: long enough for that. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export const READ_TIMEOUT_MS = 60_000;
/** No key is this long; a tool printing more is not printing a key. */
export const MAX_OUTPUT = 64 * 1024;

export type SecretFailure = 'not-installed' | 'locked' | 'not-found' | 'failed';

export function secretFault(ref: SecretRef, reason: SecretFailure, said?: string): Fault<'secret-ref'> {
  const info = toolInfo(ref.tool);
  const where = refLabel(ref);
  const [message, next] =
    reason === 'not-installed'
      ? [`${info.label} could not be run: "${info.program ?? 'the command'}" is not on PATH.`, `${info.install}.`]
      : reason === 'locked'
        ? [
            `${info.label} is locked or not signed in, so the key (${where}) could not be read${said ? `: ${said}` : ''}.`,
            `${info.unlock}, then try again.`,
          ]
        : reason === 'not-found'
          ? [
              `${info.label} has no such entry: ${where}.`,
              'Check the reference, or sign in to this account again with the right one.',
            ]
          : [
              `Reading the key from ${info.label} failed (${where})${said ? `: ${said}` : ''}.`,
              `${info.unlock}, then try again.`,
            ];
  // The account is kept as it is: a locked password manager is not a refused key.
  return new Fault('secret-ref', message, `${next} The account is kept.`, { tool: ref.tool, reason });
}

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly code?: number | string | null;
  readonly killed?: boolean;
  readonly tooLong?: boolean;
}

function run(ref: SecretRef, o: ReadOptions): Promise<Run> {
  const c = refCommand(ref);
  const [file, args, shell] = 'shell' in c ? [c.shell, [], true] : [c.file, c.args, false];
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        shell,
        env: o.env ?? process.env,
        timeout: o.timeoutMs ?? READ_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT,
        signal: o.signal,
        windowsHide: true,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, code: 0 });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        resolve({
          stdout,
          stderr,
          code: e.code,
          killed: e.killed,
          tooLong: e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
        });
      },
    );
  });
}

// What each tool says, per its documentation and source:
// - op 2.x exits 1 for every error, with "[ERROR] <date> <message>" on stderr
//   (https://developer.1password.com/docs/cli/reference): "You are not currently signed in",
//   "session expired", "authorization prompt dismissed" / "1Password app is locked" (desktop
//   integration); "isn't an item", "isn't a vault", "isn't a field" for references that miss.
// - pass 1.7 exits 1 with "Error: <entry> is not in the password store."; gpg's failures
//   ("decryption failed: No secret key", "No pinentry", "Operation cancelled") mean the key
//   that opens the store is not available.
// - gopass: "entry is not in the password store" / "not found"; gpg failures as pass.
// - security (macOS, man 1 security): exit 44 errSecItemNotFound "The specified item could not
//   be found in the keychain."; 36 "User interaction is not allowed." (locked keychain, no UI);
//   128 "User canceled the operation.".
// - bws 1.x: exit 1, "Error: …" on stderr; a missing or bad BWS_ACCESS_TOKEN says "access token";
//   a secret id that does not exist (or is not shared with the machine account) "404 Not Found" / "Resource not found".
const LOCKED: Record<SecretTool, RegExp> = {
  op: /not currently signed in|session (?:has )?expired|sign ?in|authorization prompt|app is locked|locked|unauthori[sz]ed/i,
  pass: /decryption failed|pinentry|gpg-agent|operation cancel+ed|no secret key|inappropriate ioctl/i,
  gopass: /decryption failed|pinentry|gpg-agent|operation cancel+ed|no secret key|locked/i,
  security: /interaction is not allowed|user cancel+ed|keychain is locked/i,
  bws: /access token|unauthori[sz]ed|401|invalid.*token/i,
  command: /$^/,
};
const NOT_FOUND: Record<SecretTool, RegExp> = {
  op: /isn't an? (?:item|vault|field|account)|could not find|not found|no item/i,
  pass: /is not in the password store/i,
  gopass: /not in the password store|not found|does not exist/i,
  security: /could not be found/i,
  bws: /404|not found/i,
  command: /$^/,
};
const SECURITY_CODES: Record<number, SecretFailure> = { 44: 'not-found', 36: 'locked', 128: 'locked', 51: 'locked' };

/** The first line of the tool's stderr, without op's "[ERROR] date time" prefix, for the message. */
function saidOf(stderr: string): string | undefined {
  const line = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[ERROR\]\s+\S+\s+\S+\s+/, '').trim())
    .find(Boolean);
  return line ? line.slice(0, 160) : undefined;
}

function failureOf(ref: SecretRef, r: Run): SecretFailure {
  if (r.code === 'ENOENT' || (ref.tool === 'command' && r.code === 127)) return 'not-installed';
  if (ref.tool === 'security' && typeof r.code === 'number' && SECURITY_CODES[r.code]) return SECURITY_CODES[r.code];
  if (NOT_FOUND[ref.tool].test(r.stderr)) return 'not-found';
  if (LOCKED[ref.tool].test(r.stderr)) return 'locked';
  return 'failed';
}

const bwsSecret = z.looseObject({ value: z.string() });

/** The key from what the tool printed: pass's first line, bws's JSON `value`, else all of it, trimmed. */
function keyFrom(ref: SecretRef, stdout: string): string | undefined {
  if (ref.tool === 'bws') {
    const r = bwsSecret.safeParse(parseJson(stdout));
    return r.success ? r.data.value.trim() || undefined : undefined;
  }
  const out = ref.tool === 'pass' ? (stdout.split(/\r?\n/)[0] ?? '') : stdout;
  return out.trim() || undefined;
}

/** Runs the tool once and returns the key; a Fault('secret-ref') in words otherwise. */
export async function readSecret(ref: SecretRef, o: ReadOptions = {}): Promise<string> {
  const r = await run(ref, o);
  if (o.signal?.aborted) throw new Fault('aborted', 'Cancelled.');
  if (r.code === 0) {
    const key = keyFrom(ref, r.stdout);
    if (key) return key;
    throw secretFault(ref, 'failed', ref.tool === 'bws' ? 'its answer has no secret value' : 'it printed nothing');
  }
  if (r.tooLong) throw secretFault(ref, 'failed', `it printed more than ${MAX_OUTPUT / 1024} KB, which is no key`);
  if (r.killed)
    throw secretFault(ref, 'locked', `no answer within ${Math.round((o.timeoutMs ?? READ_TIMEOUT_MS) / 1000)} s`);
  const reason = failureOf(ref, r);
  // stderr is the tool's own words; it never carries the key (stdout does), and the log redacts anyway.
  throw secretFault(ref, reason, reason === 'failed' ? saidOf(r.stderr) : undefined);
}

/** The password managers whose program is on PATH (a command of one's own is always offered). */
export async function toolsOnPath(env: NodeJS.ProcessEnv = process.env): Promise<SecretTool[]> {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  const found: SecretTool[] = [];
  for (const t of TOOLS) {
    const program = t.program;
    if (!program) {
      found.push(t.tool);
      continue;
    }
    for (const dir of dirs) {
      const hit = await Promise.any(
        exts.map((x) => access(join(dir, program + x), constants.X_OK).then(() => true)),
      ).catch(() => false);
      if (hit) {
        found.push(t.tool);
        break;
      }
    }
  }
  return found;
}
