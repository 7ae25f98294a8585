// pi's own provider layer (`@mariozechner/pi-ai` 0.73.1) behind the bridge: its model registry and
// its streaming for every API pi speaks (Anthropic Messages incl. subscription tokens, OpenAI
// Completions and Responses, the Codex backend, GitHub Copilot, Google, Vertex, Azure, Mistral).
// This file is its own bundle (dist/pi-ai.js), loaded on first use: pi-ai and the provider SDKs
// never load at activation. Only plain data and the bridge's own events cross this boundary.
import type {
  Api,
  AssistantMessage,
  Context,
  ImageContent,
  Message,
  Model,
  TextContent,
  Tool,
} from '@mariozechner/pi-ai' with { 'resolution-mode': 'import' };
import { bounded } from '../redact';
import type { ChatMessage, ChatRequest, Endpoint, ModelSpec, StreamEvent } from './chat';

/**
 * How a failure becomes the bridge's ModelError. Passed in, not imported: this file is a separate
 * bundle, and a class of its own copy would fail the bridge's `instanceof` checks.
 */
export type Fail = (
  kind: 'rate-limited' | 'unauthorized' | 'server' | 'request' | 'stream',
  message: string,
  retryAt?: number,
) => Error;

// Imported dynamically: pi-ai is ESM-only and this file compiles to CommonJS (unit tests load it
// as it is; esbuild inlines it into the bundle).
const piAi = () => import('@mariozechner/pi-ai');

// pi-ai 1.x renamed Azure to `azure` (the directory's id); this bundle is still pi-ai 0.73.1,
// where it is `azure-openai-responses`.
const piId = (provider: string) => (provider === 'azure' ? 'azure-openai-responses' : provider);

// Bedrock needs the AWS SDK, which pi-ai loads by a path only its own package layout resolves.
const UNSERVED = new Set(['amazon-bedrock']);

/** pi's models of each provider it can chat with (of `wanted`), as plain data for the picker. */
export async function catalog(wanted: readonly string[]): Promise<Record<string, ModelSpec[]>> {
  const { getModels, getProviders } = await piAi();
  const known = new Set<string>(getProviders());
  const out: Record<string, ModelSpec[]> = {};
  for (const p of wanted) {
    if (!known.has(piId(p)) || UNSERVED.has(p)) continue;
    out[p] = getModels(piId(p) as never).map((m: Model<Api>) => ({
      id: m.id,
      name: m.name,
      api: m.api,
      baseUrl: m.baseUrl,
      contextWindow: m.contextWindow,
      maxTokens: m.maxTokens,
      reasoning: m.reasoning,
      images: m.input.includes('image'),
    }));
  }
  return out;
}

/** The registry's model, or (for an id only the provider's own list names) its first model renamed. */
async function modelOf(provider: string, id: string, e: Endpoint, fail: Fail): Promise<Model<Api>> {
  const all = (await piAi()).getModels(piId(provider) as never) as Model<Api>[];
  const m = all.find((x) => x.id === id) ?? (all[0] && { ...all[0], id, name: id });
  if (!m) throw fail('request', `pi has no models for ${provider}.`);
  return { ...m, baseUrl: baseUrlOf(m.baseUrl, e) };
}

/**
 * The account's base URL, else pi's with its `{CLOUDFLARE_ACCOUNT_ID}`-style placeholders filled
 * from the account's settings. pi-ai fills them from process.env (providers/cloudflare.js), which
 * in the extension host is shared by every extension and never holds our accounts' values.
 */
export function baseUrlOf(registry: string, e: Endpoint): string {
  return e.baseUrl ?? registry.replace(/\{([A-Z_][A-Z0-9_]*)\}/g, (all, name: string) => e.vars?.[name] ?? all);
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
export function contextOf(req: ChatRequest, model: Model<Api>): Context {
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
            arguments: (p.input ?? {}) as Record<string, unknown>,
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
        parameters: t.inputSchema as Tool['parameters'],
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

/**
 * Streams one request with one account's key through pi-ai. pi-ai reports failures as an `error`
 * event with a message; the HTTP status (seen in `onResponse`, or leading the SDK's message) makes
 * it a ModelError rotation understands. The SDKs' own retries are off: rotation decides.
 */
export async function* streamModel(
  provider: string,
  req: ChatRequest,
  e: Endpoint,
  o: { readonly label: string; readonly fail: Fail; readonly signal?: AbortSignal },
): AsyncGenerator<StreamEvent> {
  const { signal, fail } = o;
  const model = await modelOf(provider, req.model, e, fail);
  const { stream, streamSimple } = await piAi();
  let status = 0;
  let headers: Record<string, string> = {};
  const base = {
    apiKey: e.key || undefined,
    headers: e.headers ? { ...e.headers } : undefined,
    signal,
    maxTokens: Math.min(req.maxTokens, model.maxTokens || req.maxTokens),
    maxRetries: 0,
    transport: 'sse' as const,
    onResponse: (r: { status: number; headers: Record<string, string> }) => {
      status = r.status;
      headers = r.headers;
    },
  };
  // streamSimple passes only the common options on; provider options need the provider's stream.
  const context = contextOf(req, model);
  const events = e.options
    ? stream(model, context, { ...base, ...e.options })
    : streamSimple(model, context, {
        ...base,
        ...(req.thinking && model.reasoning ? { reasoning: 'medium' as const } : {}),
      });
  for await (const ev of events) {
    if (ev.type === 'text_delta') yield { type: 'text', text: ev.delta };
    else if (ev.type === 'thinking_delta') yield { type: 'thinking', text: ev.delta };
    else if (ev.type === 'toolcall_end')
      yield { type: 'tool_call', id: ev.toolCall.id, name: ev.toolCall.name, input: ev.toolCall.arguments };
    else if (ev.type === 'done') {
      const u = ev.message.usage;
      yield { type: 'usage', input: u.input + u.cacheRead + u.cacheWrite, output: u.output, cached: u.cacheRead };
    } else if (ev.type === 'error') {
      if (ev.reason === 'aborted' || signal?.aborted) throw fail('stream', 'Cancelled.');
      throw failure(fail, o.label, ev.error.errorMessage ?? 'unknown error', status, headers);
    }
  }
}

/** A pi-ai failure as a ModelError: 429/529 rest the account until Retry-After, 401/403 mark it. */
export function failure(
  fail: Fail,
  label: string,
  message: string,
  seen: number,
  headers: Record<string, string>,
  now = Date.now(),
): Error {
  const lead = /^(\d{3})\b/.exec(message)?.[1];
  const status = seen >= 400 ? seen : lead ? Number(lead) : 0;
  const what = `${label} ${status ? `answered ${status}` : 'failed'}: ${bounded(message.replace(/^\d{3}\s*/, ''))}`;
  if (status === 429 || status === 529 || /overloaded|rate.?limit/i.test(message)) {
    const after = Number(headers['retry-after']);
    return fail('rate-limited', what, now + (Number.isFinite(after) && after > 0 ? after * 1000 : 60_000));
  }
  if (status === 401 || status === 403) return fail('unauthorized', what);
  return fail(status >= 500 ? 'server' : status ? 'request' : 'stream', what);
}
