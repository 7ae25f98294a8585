// pi's own provider layer (`@earendil-works/pi-ai` 1.6.1) behind the bridge: its providers (their
// catalogs, their request auth: api-key `resolve()` and OAuth `toAuth()`) and its streaming for
// every API pi speaks (Anthropic Messages incl. subscription tokens, OpenAI Completions and
// Responses, the Codex backend, GitHub Copilot, Google, Vertex, Azure, Mistral).
// This file is its own bundle (dist/pi-ai.js), loaded on first use: pi-ai and the provider SDKs
// never load at activation. Only plain data and the bridge's own events cross this boundary.
import { existsSync } from 'node:fs';
import type {
  AssistantMessage,
  AuthContext,
  Context,
  CredentialStore,
  ImageContent,
  Message,
  Model,
  Provider,
  TextContent,
  Tool,
} from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };
import { bounded } from '../redact';
import type { ChatMessage, ChatRequest, Endpoint, ModelSpec, StreamEvent } from './chat';
import { curated, DEFAULT_MODEL } from './curated';
import type { ModelErrorKind } from './errors';
import { restUntil } from './reset';

type AnyModel = Model<string>;

/**
 * How a failure becomes the bridge's ModelError. Passed in, not imported: this file is a separate
 * bundle, and a class of its own copy would fail the bridge's `instanceof` checks.
 */
export type Fail = (kind: ModelErrorKind, message: string, retryAt?: number, status?: number) => Error;

// Imported dynamically: pi-ai is ESM-only and this file compiles to CommonJS (unit tests load it
// as it is; esbuild inlines it into the bundle).
const piAi = () => import('@earendil-works/pi-ai');
const piProviders = () => import('@earendil-works/pi-ai/providers/all');
// pi-ai loads its OAuth flows (whose toAuth() makes a sign-in's request auth) by a URL relative to
// its own files, which a bundle does not have; registering them statically is pi-ai's way for a
// bundled build (`registerBunOAuthFlows`, @earendil-works/pi-ai 1.6.1 dist/bun-oauth.js).
const piOAuth = () => import('@earendil-works/pi-ai/bun-oauth');

// Bedrock needs the AWS SDK, which pi-ai loads by a path only its own package layout resolves.
const UNSERVED = new Set(['amazon-bedrock']);

let registry: Promise<Map<string, Provider>> | undefined;
/** pi-ai's built-in providers, built once per window. */
function providers(): Promise<Map<string, Provider>> {
  registry ??= Promise.all([piProviders(), piOAuth()]).then(([m, o]) => {
    o.registerBunOAuthFlows();
    return new Map(m.builtinProviders().map((p) => [p.id, p]));
  });
  return registry;
}

/** "Claude Haiku 4.5 (latest)" beside "Claude Haiku 4.5": the same model twice in pi's catalog. */
const LATEST = /\s*\(latest\)\s*$/i;
function withoutAliases(models: readonly AnyModel[]): AnyModel[] {
  const names = new Set(models.filter((m) => !LATEST.test(m.name)).map((m) => m.name));
  return models.filter((m) => !(LATEST.test(m.name) && names.has(m.name.replace(LATEST, ''))));
}

/**
 * pi's models of each provider it can chat with (of `wanted`), as plain data for the picker:
 * pi's default model of the provider first (pi-coding-agent's defaultModelPerProvider), no
 * "(latest)" twins, a curated few marked selectable, the rest for Manage Models.
 */
export async function catalog(wanted: readonly string[]): Promise<Record<string, ModelSpec[]>> {
  const all = await providers();
  const out: Record<string, ModelSpec[]> = {};
  for (const p of wanted) {
    const provider = all.get(p);
    if (!provider || UNSERVED.has(p)) continue;
    let models: AnyModel[];
    try {
      models = withoutAliases(provider.getModels());
    } catch {
      continue;
    }
    const preferred = DEFAULT_MODEL[p];
    models.sort((a, b) => Number(b.id === preferred) - Number(a.id === preferred));
    const picked = curated(models, preferred);
    // Two models of one name (a quantisation, a second host's copy: Hugging Face's BF16 and
    // NVFP4 Nemotron, Mistral's two GLM-5.2) read as one listed twice: the later ones say their id.
    const named = new Set<string>();
    const nameOf = (m: AnyModel): string => {
      const name = m.name.replace(LATEST, '');
      if (!named.has(name)) return (named.add(name), name);
      return `${name} (${m.id})`;
    };
    out[p] = models.map((m) => ({
      id: m.id,
      name: nameOf(m),
      api: m.api,
      baseUrl: m.baseUrl,
      contextWindow: m.contextWindow,
      maxTokens: m.maxTokens,
      reasoning: m.reasoning,
      images: m.input.includes('image'),
      selectable: picked.has(m.id),
      ...(m.id === preferred ? { isDefault: true } : {}),
    }));
  }
  return out;
}

/** The registry's model, or (for an id only the provider's own list names) its first model renamed. */
function modelOf(provider: Provider, id: string): AnyModel | undefined {
  const all = provider.getModels() as AnyModel[];
  return all.find((x) => x.id === id) ?? (all[0] && { ...all[0], id, name: id });
}

/**
 * pi's `{CLOUDFLARE_ACCOUNT_ID}`-style placeholders filled from the account's settings. pi-ai
 * fills them from the request's `env` too; this keeps the listing and the logs free of them.
 */
export function baseUrlOf(registry: string, e: Endpoint): string {
  return e.baseUrl ?? registry.replace(/\{([A-Z_][A-Z0-9_]*)\}/g, (all, name: string) => e.vars?.[name] ?? all);
}

interface RequestAuth {
  readonly apiKey?: string;
  readonly headers?: Record<string, string | null>;
  readonly baseUrl?: string;
  readonly env?: Record<string, string>;
}

/**
 * The request's auth as pi-ai's provider derives it from the account's key (refreshed by our
 * resolver): `oauth.toAuth()` for a sign-in (Copilot's base URL from its token, for example), the
 * api-key auth's `resolve()` otherwise. Its environment is the account's values only: the extension
 * host's process.env is shared by every extension and never holds our accounts.
 */
async function authOf(p: Provider, e: Endpoint, signal: AbortSignal): Promise<RequestAuth> {
  const vars = e.vars ? { ...e.vars } : undefined;
  if (e.oauth && p.auth.oauth) {
    const a = await p.auth.oauth.toAuth({
      ...e.oauth,
      type: 'oauth',
      access: e.key,
      refresh: '',
      expires: Date.now() + 3_600_000,
    });
    return { ...a, ...(vars ? { env: vars } : {}) };
  }
  if (p.auth.apiKey) {
    const ctx: AuthContext = {
      env: (name) => Promise.resolve(vars?.[name]),
      fileExists: (path) => Promise.resolve(existsSync(path)),
    };
    const r = await p.auth.apiKey.resolve({
      ctx,
      credential: { type: 'api_key', ...(e.key ? { key: e.key } : {}), ...(vars ? { env: vars } : {}) },
      signal,
    });
    if (r) return { ...r.auth, env: { ...vars, ...r.env } };
  }
  return { apiKey: e.key || undefined, ...(vars ? { env: vars } : {}) };
}

const ZERO = {
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  totalTokens: 0,
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
};

/** VS Code's turns as pi's context: tool results become their own messages, named after their call. */
export function contextOf(req: ChatRequest, model: AnyModel): Context {
  const names = new Map<string, string>();
  const messages: Message[] = [];
  const now = Date.now();
  for (const m of req.messages) {
    if (m.role === 'assistant') {
      const content: AssistantMessage['content'] = [];
      for (const p of m.parts) {
        if (p.type === 'text' && p.text) content.push({ type: 'text', text: p.text });
        else if (p.type === 'tool_call') {
          names.set(p.id, p.name);
          content.push({
            type: 'toolCall',
            id: p.id,
            name: p.name,
            arguments: (p.input ?? {}) as never,
          });
        }
      }
      if (content.length)
        messages.push({
          role: 'assistant',
          content,
          api: model.api,
          provider: model.provider,
          model: model.id,
          usage: ZERO,
          stopReason: content.some((c) => c.type === 'toolCall') ? 'toolUse' : 'stop',
          timestamp: now,
        });
      continue;
    }
    for (const p of m.parts)
      if (p.type === 'tool_result')
        messages.push({
          role: 'toolResult',
          toolCallId: p.callId,
          toolName: names.get(p.callId) ?? 'tool',
          content: [{ type: 'text', text: p.content }],
          isError: false,
          timestamp: now,
        });
    const content = userContent(m);
    if (content.length) messages.push({ role: 'user', content, timestamp: now });
  }
  const tools: Tool[] | undefined = req.tools?.length
    ? req.tools.map((t) => ({
        name: t.name,
        description: t.description,
        parameters: t.inputSchema,
      }))
    : undefined;
  return { ...(req.system ? { systemPrompt: req.system } : {}), messages, ...(tools ? { tools } : {}) };
}

function userContent(m: ChatMessage): (TextContent | ImageContent)[] {
  return m.parts.flatMap((p): (TextContent | ImageContent)[] =>
    p.type === 'text' && p.text
      ? [{ type: 'text', text: p.text }]
      : p.type === 'image'
        ? [{ type: 'image', data: p.data, mimeType: p.mimeType }]
        : [],
  );
}

/** What the wire showed of one request: every HTTP answer pi-ai's client got, the refusal's body. */
export interface Seen {
  requests: number;
  status: number;
  headers: Record<string, string>;
  body?: string;
  /** The content type of a 2xx answer that is not a stream. */
  notStream?: string;
  /** A stream line grew past MAX_STREAM_LINE without a newline: reading stopped there. */
  lineTooLong?: boolean;
}

/** The most of an error body that is read (it only names the reason and the reset). */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * The longest line a model stream may send. pi-ai's SSE readers keep a line whole until its
 * newline, without a bound (@earendil-works/pi-ai 1.6.1): an endless line held the extension host's
 * memory until the caller cancelled (25 MB read → 133 MB more RSS in 3 s). The largest real event
 * is one carrying a whole image in base64 (Gemini's inline image data, an OpenAI Responses
 * image_generation_call), a few MB; 16 MB leaves room for that.
 */
export const MAX_STREAM_LINE = 16 * 1024 * 1024;

/** The body as it comes, failing at the first chunk in which a line grows past `max` bytes. */
export function linesBounded(body: ReadableStream<Uint8Array>, max: number, tooLong: () => void) {
  let run = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        let longest = 0;
        let from = 0;
        for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
          longest = Math.max(longest, run + nl - from);
          run = 0;
          from = nl + 1;
        }
        run += chunk.byteLength - from;
        if (Math.max(longest, run) > max) {
          tooLong();
          controller.error(new Error(`A stream line passed ${max / 1024 / 1024} MB without ending.`));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

async function boundedText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value }: { done: boolean; value?: Uint8Array } = await reader.read();
      if (done || !value) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

const record = (h: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
};

/**
 * The fetch pi-ai's clients use for one request. Every retry decision is rotation's: after an
 * answer of 400 or more, a further attempt is refused (pi-ai's clients get `maxRetries: 0` too,
 * and Codex's client retried on its own before 1.x). A refusal's body is read (bounded) for its
 * reset time; a 2xx answer that is an HTML page or plain JSON where a stream was asked for ends
 * the request as not-a-stream instead of an empty success, and so does a stream line longer
 * than MAX_STREAM_LINE.
 */
export function guardedFetch(seen: Seen, base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    if (seen.status >= 400)
      throw new Error(`Not retried after ${seen.status}: Pi Accounts' rotation decides what happens next.`);
    seen.requests++;
    const res = await base(input, init);
    seen.status = res.status;
    seen.headers = record(res.headers);
    const type = res.headers.get('content-type') ?? '';
    if (res.status >= 400) {
      seen.body = await boundedText(res, MAX_ERROR_BODY);
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      headers.delete('content-encoding');
      return new Response(seen.body, { status: res.status, statusText: res.statusText, headers });
    }
    if (res.ok && /html|json|xml|text\/plain/i.test(type) && !/event-stream|ndjson|json-seq/i.test(type)) {
      seen.notStream = type.split(';')[0].trim();
      void res.body?.cancel().catch(() => undefined);
      throw new Error(`The answer was ${seen.notStream}, not a stream.`);
    }
    if (!res.body) return res;
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    const body = linesBounded(res.body, MAX_STREAM_LINE, () => (seen.lineTooLong = true));
    return new Response(body, { status: res.status, statusText: res.statusText, headers });
  };
}

/**
 * Whether pi-ai's `createModels({ credentials })` serves this provider's credential of this kind:
 * it resolves a stored credential only through the provider's own auth of that kind
 * (@earendil-works/pi-ai 1.6.1 dist/auth/resolve.js), so a sign-in pi-ai has no OAuth for (or a
 * provider pi-ai does not ship) takes the old path: our resolver's key, sent as is.
 */
export async function storeServes(provider: string, oauth: boolean): Promise<boolean> {
  const p = (await providers()).get(provider);
  return !!p && !UNSERVED.has(provider) && !!(oauth ? p.auth.oauth : p.auth.apiKey);
}

/**
 * The provider as one request's Models sees it: a per-account or test base URL wins over the one
 * pi-ai's auth names (Copilot's from its token), as it did before Models (Models.applyAuth puts
 * `auth.baseUrl` on the model, pi-ai 1.6.1 dist/models.js).
 */
function requestProvider(p: Provider, baseUrl: string | undefined): Provider {
  if (!baseUrl) return p;
  return {
    id: p.id,
    name: p.name,
    ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}),
    ...(p.headers ? { headers: p.headers } : {}),
    auth: p.auth,
    getModels: () => p.getModels(),
    stream: (m, c, opts) => p.stream({ ...m, baseUrl }, c, opts),
    streamSimple: (m, c, opts) => p.streamSimple({ ...m, baseUrl }, c, opts),
  };
}

/**
 * Streams one request with one account through pi-ai. With `credentials` (the vault presenting
 * that account as pi-ai's CredentialStore) pi-ai's own Models resolves the request's auth: an
 * OAuth token close to expiry is refreshed inside the store's `modify`, under our refresh lock.
 * Without it, the endpoint's key (refreshed by our resolver) is sent. pi-ai reports failures as an
 * `error` event with a message; the HTTP status and body the guarded fetch saw make it a
 * ModelError rotation understands. Nothing is retried here: rotation decides.
 */
export async function* streamModel(
  provider: string,
  req: ChatRequest,
  e: Endpoint,
  o: {
    readonly label: string;
    readonly fail: Fail;
    readonly signal?: AbortSignal;
    readonly seen?: Seen;
    readonly credentials?: CredentialStore;
    /** How a failure to resolve the request's auth through `credentials` reaches the bridge. */
    readonly authFailed?: (e: unknown) => Error;
  },
): AsyncGenerator<StreamEvent> {
  const { fail } = o;
  const signal = o.signal ?? new AbortController().signal;
  const p = (await providers()).get(provider);
  const found = p && modelOf(p, req.model);
  if (!p || !found) throw fail('not-found', `pi has no models for ${provider}.`);
  const { normalizeContext, createModels } = await piAi();
  let models: ReturnType<typeof createModels> | undefined;
  let auth: RequestAuth = {};
  let model: AnyModel;
  if (o.credentials) {
    // The account's values only: the extension host's process.env is shared by every extension.
    const vars = e.vars;
    models = createModels({
      credentials: o.credentials,
      authContext: {
        env: (name) => Promise.resolve(vars?.[name]),
        fileExists: (path) => Promise.resolve(existsSync(path)),
      },
    });
    models.setProvider(requestProvider(p, e.baseUrl));
    model = { ...found, baseUrl: e.baseUrl ?? baseUrlOf(found.baseUrl, e) };
    let resolved: unknown;
    try {
      // Resolved (and refreshed) once before the request, so a failure is told as what it is; the
      // request's own resolution then reads the stored credential as it is.
      resolved = await models.getAuth(model, { signal });
    } catch (err) {
      if (signal.aborted) throw fail('stream', 'Cancelled.');
      throw o.authFailed ? o.authFailed(err) : fail('unauthorized', `${o.label}: ${bounded((err as Error).message)}`);
    }
    if (!resolved) throw fail('unauthorized', `${o.label}: the account has no usable credential.`);
  } else {
    try {
      auth = await authOf(p, e, signal);
    } catch (err) {
      throw fail('unauthorized', `${o.label}: ${bounded((err as Error).message)}`);
    }
    model = { ...found, baseUrl: e.baseUrl ?? auth.baseUrl ?? baseUrlOf(found.baseUrl, e) };
  }
  const seen: Seen = o.seen ?? { requests: 0, status: 0, headers: {} };
  const base = {
    // Through Models the auth is pi-ai's (an apiKey here would bypass the store).
    ...(models ? {} : { apiKey: auth.apiKey }),
    headers: { ...auth.headers, ...e.headers },
    ...(auth.env && Object.keys(auth.env).length ? { env: auth.env } : {}),
    signal,
    maxTokens: Math.min(req.maxTokens, model.maxTokens || req.maxTokens),
    maxRetries: 0,
    transport: 'sse' as const,
    fetch: guardedFetch(seen),
    // Prompt caching: Codex, OpenAI Responses and Copilot key their cache by it (pi-ai 1.6.1).
    ...(req.sessionId ? { sessionId: req.sessionId } : {}),
    onResponse: (r: { status: number; headers: Record<string, string> }) => {
      if (!seen.status) {
        seen.status = r.status;
        seen.headers = r.headers;
      }
    },
  };
  // streamSimple passes only the common options on; provider options need the provider's stream.
  const context = contextOf(req, model);
  const simple = {
    ...base,
    ...(req.thinking && model.reasoning ? { reasoning: 'medium' as const } : {}),
  };
  let events: AsyncIterable<{ type: string } & Record<string, never>>;
  try {
    events = (
      models
        ? e.options
          ? models.stream(model, context, { ...base, ...e.options })
          : models.streamSimple(model, context, simple)
        : e.options
          ? p.stream(model, normalizeContext(context), { ...base, ...e.options })
          : p.streamSimple(model, normalizeContext(context), simple)
    ) as never;
  } catch (err) {
    throw failure(fail, o.label, (err as Error).message, seen);
  }
  let content = false;
  for await (const raw of events) {
    const ev = raw as unknown as Parameters<typeof eventOf>[0];
    if (ev.type === 'error') {
      if (ev.reason === 'aborted' || signal.aborted) throw fail('stream', 'Cancelled.');
      throw failure(fail, o.label, ev.error.errorMessage ?? 'unknown error', seen);
    }
    const out = eventOf(ev);
    if (!out) continue;
    if (out.type === 'usage' && !content && out.input + out.output === 0)
      // A 200 that streamed nothing and named no usage was no model's answer (a page, a proxy).
      throw fail('not-a-stream', `${o.label} answered ${seen.status || 200} without a model stream.`, undefined, 200);
    if (out.type !== 'usage') content = true;
    yield out;
  }
}

type PiEvent =
  | { type: 'text_delta'; delta: string }
  | { type: 'thinking_delta'; delta: string }
  | { type: 'toolcall_end'; toolCall: { id: string; name: string; arguments: unknown } }
  | { type: 'done'; message: AssistantMessage }
  | { type: 'error'; reason: string; error: { errorMessage?: string } }
  | { type: 'other' };

function eventOf(ev: PiEvent): StreamEvent | undefined {
  if (ev.type === 'text_delta') return { type: 'text', text: ev.delta };
  if (ev.type === 'thinking_delta') return { type: 'thinking', text: ev.delta };
  if (ev.type === 'toolcall_end')
    return { type: 'tool_call', id: ev.toolCall.id, name: ev.toolCall.name, input: ev.toolCall.arguments };
  if (ev.type === 'done') {
    const u = ev.message.usage;
    return { type: 'usage', input: u.input + u.cacheRead + u.cacheWrite, output: u.output, cached: u.cacheRead };
  }
  return undefined;
}

/**
 * A pi-ai failure as a ModelError, by the status the wire showed (or leading pi-ai's message):
 * 429/529 and usage limits rest the account until the reset the refusal names (body or headers,
 * clamped; unknown → the caller's default), 401/403 mark it, the rest reach the caller typed.
 */
export function failure(fail: Fail, label: string, message: string, seen: Seen, now = Date.now()): Error {
  const lead = /^(\d{3})\b/.exec(message)?.[1] ?? /\((\d{3})\):/.exec(message)?.[1];
  const status = seen.status >= 400 ? seen.status : lead ? Number(lead) : 0;
  if (seen.lineTooLong)
    return fail(
      'not-a-stream',
      `${label} sent a stream line longer than ${MAX_STREAM_LINE / 1024 / 1024} MB; Pi Accounts stopped reading it.`,
      undefined,
      seen.status || 200,
    );
  if (seen.notStream)
    return fail(
      'not-a-stream',
      `${label} answered ${seen.status || 200} with ${bounded(seen.notStream)}, not a model stream.`,
      undefined,
      seen.status || 200,
    );
  const reason = bounded(reasonOf(message));
  const what = `${label} ${status ? `answered ${status}` : 'failed'}: ${reason}${/[.!?]$/.test(reason) ? '' : '.'}`;
  const limited = /usage_limit_reached|usage limit|rate.?limit|overloaded/i.test(`${message} ${seen.body ?? ''}`);
  if (status === 429 || status === 529 || (limited && (status === 0 || status >= 400)))
    return fail('rate-limited', what, restUntil(seen.headers, seen.body, now), status || undefined);
  if (status === 401) return fail('unauthorized', what, undefined, status);
  if (status === 403) return fail('forbidden', what, undefined, status);
  if (status === 404) return fail('not-found', what, undefined, status);
  if (status >= 500) return fail('server', what, undefined, status);
  return fail(status ? 'request' : 'stream', what, undefined, status || undefined);
}

/** The provider's reason out of pi-ai's message ("400: {"error":{"message":"…"}}" → "…"). */
function reasonOf(message: string): string {
  const rest = message.replace(/^\(?\d{3}\)?\s*:?\s*/, '').trim();
  try {
    const j = JSON.parse(rest) as { message?: unknown; error?: { message?: unknown } | string } | null;
    const m = typeof j?.error === 'string' ? j.error : (j?.error?.message ?? j?.message);
    if (typeof m === 'string' && m) return m;
  } catch {
    // not JSON: pi-ai's own words
  }
  return rest || message;
}
