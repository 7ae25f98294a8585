// The one place that scrubs secrets out of text bound for a log or an error message.
// Two nets: every secret the vault holds is replaced verbatim, and anything shaped like a
// well-known token is masked even if we never stored it (a key echoed back by a server, say).

const MASK = '[redacted]';

const TOKEN_SHAPES: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic (sk-ant-…), DeepSeek, OpenRouter (sk-or-…)
  /\bgh[opsur]_[A-Za-z0-9]{16,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g, // JWTs
  /\b(?:gsk|xai|hf|csk|fw)_[A-Za-z0-9]{16,}/g, // Groq, xAI, Hugging Face, Cerebras, Fireworks
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google API keys
];

const SECRET_FIELD = /("(?:key|access|refresh|token|api_key|apiKey|access_token|refresh_token|secret)"\s*:\s*")([^"]+)(")/gi;
const AUTH_HEADER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
// GitHub's "Authorization: token <t>"; "token" is also an English word ("token refreshed"), so
// only a long run with a digit in it counts as a credential.
const TOKEN_HEADER = /\b(token)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}/g;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Secrets shorter than this are not matched verbatim: they would mask ordinary words. */
  static readonly MIN_SECRET = 6;

  setSecrets(values: Iterable<string>): void {
    this.secrets.clear();
    for (const v of values) this.addSecret(v);
  }

  addSecret(value: string): void {
    if (value.length >= Redactor.MIN_SECRET) this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(s).join(MASK);
    }
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, MASK);
    out = out.replace(SECRET_FIELD, `$1${MASK}$3`);
    out = out.replace(AUTH_HEADER, `$1 ${MASK}`).replace(TOKEN_HEADER, `$1 ${MASK}`);
    return out;
  }
}
