// The one place that scrubs secrets out of text bound for a log or an error message.
// Two nets: every secret the vault holds is replaced verbatim, and anything shaped like a
// well-known token is masked even if we never stored it (a key echoed back by a server, say).
import { describe, Fault, isFault } from './faults';

const MASK = '[redacted]';

// Every pattern runs in time linear in the input. A pattern whose repeated run must be followed
// by something more (the JWT's dots) starts only where a run of its characters starts (the
// lookbehind) and gives up after 8 KB, so each run is scanned a bounded number of times; a
// hostile 120 KB string took seconds before.
const TOKEN_SHAPES: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic (sk-ant-…), DeepSeek, OpenRouter (sk-or-…)
  /\bgh[opsur]_[A-Za-z0-9]{16,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,8192}\.[A-Za-z0-9_-]{10,8192}\.[A-Za-z0-9_-]*/g, // JWTs
  /\b(?:gsk|xai|hf|csk|fw)_[A-Za-z0-9]{16,}/g, // Groq, xAI, Hugging Face, Cerebras, Fireworks
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google API keys
];

const SECRET_FIELD =
  /("(?:key|access|refresh|token|api_key|apiKey|access_token|refresh_token|secret)"\s{0,16}:\s{0,16}")([^"]+)(")/gi;
// pi-ai 1.x's login and refresh errors carry the server's answer as `body=…;`
// (@earendil-works/pi-ai 1.6.1 dist/auth/oauth/anthropic.js): it may hold tokens in any shape.
const RESPONSE_BODY = /\bbody=[^;\n]*/g;
const AUTH_HEADER = /\b(Bearer|Basic)\s{1,16}[A-Za-z0-9._~+/=-]{8,}/g;
// GitHub's "Authorization: token <t>"; "token" is also an English word ("token refreshed"), so
// only a long run with a digit in it counts as a credential.
const TOKEN_HEADER = /\b(token)\s{1,16}(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}/g;

/** What a message may carry of text a server sent; whole messages leaving the core are cut at MAX_MESSAGE. */
export const MAX_SERVER_TEXT = 200;
export const MAX_MESSAGE = 600;

/**
 * Text for a message: one line, at most `max` characters. A cut never leaves part of a word
 * behind: half a secret is no longer recognisable, so the whole word goes.
 */
export function bounded(text: string, max = MAX_SERVER_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  if (line.length <= max) return line;
  return `${line
    .slice(0, max + 1)
    .replace(/\S*$/, '')
    .trimEnd()}…`;
}

export class Redactor {
  private secrets: string[] = [];

  /** Secrets shorter than this are not matched verbatim: they would mask ordinary words. */
  static readonly MIN_SECRET = 6;

  setSecrets(values: Iterable<string>): void {
    this.secrets = [];
    for (const v of values) this.addSecret(v);
  }

  addSecret(value: string): void {
    if (value.length < Redactor.MIN_SECRET || this.secrets.includes(value)) return;
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...this.secrets, value].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, MASK);
    out = out.replace(SECRET_FIELD, `$1${MASK}$3`);
    out = out.replace(RESPONSE_BODY, `body=${MASK}`);
    out = out.replace(AUTH_HEADER, `$1 ${MASK}`).replace(TOKEN_HEADER, `$1 ${MASK}`);
    return out;
  }

  /**
   * Any error as the one line a person or another extension may see (a notification, the error
   * a `vscode.lm` caller receives): what happened and what to do, redacted, then bounded.
   */
  describe(e: unknown): string {
    return bounded(this.redact(describe(e)), MAX_MESSAGE);
  }

  /** Any error as a Fault safe to hand on: the same code and details, message and next step redacted and bounded. */
  fault(e: unknown): Fault {
    if (!isFault(e)) return new Fault('unexpected', this.describe(e));
    const nextStep = e.nextStep === undefined ? undefined : bounded(this.redact(e.nextStep), MAX_MESSAGE);
    return new Fault(e.code, bounded(this.redact(e.message), MAX_MESSAGE), nextStep, e.details);
  }
}
