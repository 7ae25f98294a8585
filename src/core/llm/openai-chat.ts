// OpenAI-compatible Chat Completions, streaming (OpenAI, OpenRouter, Groq, Mistral, xAI,
// Cerebras, DeepSeek, Fireworks and the rest of the compatible providers): content deltas, tool
// calls assembled from indexed argument deltas, usage from the last chunk, `[DONE]` at the end.
import { postJsonStream, type HttpOptions } from '../http';
import { parseToolInput, type ChatRequest, type Endpoint, type StreamEvent } from './chat';
import { ModelError, streamBroke, streamRefused } from './errors';
import { sseJson } from './sse';

export function openaiBody(req: ChatRequest) {
  const messages: object[] = req.system ? [{ role: 'system', content: req.system }] : [];
  for (const m of req.messages) {
    const text = m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
    const calls = m.parts.flatMap((p) => (p.type === 'tool_call' ? [{ id: p.id, type: 'function', function: { name: p.name, arguments: JSON.stringify(p.input ?? {}) } }] : []));
    for (const p of m.parts) if (p.type === 'tool_result') messages.push({ role: 'tool', tool_call_id: p.callId, content: p.content });
    if (text || calls.length) messages.push({ role: m.role, content: text || null, ...(calls.length ? { tool_calls: calls } : {}) });
  }
  return {
    model: req.model,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: req.maxTokens,
    messages,
    ...(req.tools?.length ? { tools: req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } })) } : {}),
  };
}

export async function* streamOpenAI(req: ChatRequest, e: Endpoint, providerLabel: string, http: HttpOptions = {}): AsyncGenerator<StreamEvent> {
  const res = await postJsonStream(`${e.baseUrl.replace(/\/+$/, '')}/chat/completions`, openaiBody(req), { ...http, headers: { authorization: `Bearer ${e.key}`, ...e.headers } });
  if (res.status !== 200) throw await streamRefused(res, providerLabel);
  const calls = new Map<number, { id: string; name: string; args: string }>();
  try {
    for await (const d of sseJson(res.body)) {
      if (d.error) throw new ModelError(d.error.code === 429 || /rate|overload/i.test(String(d.error.message ?? d.error.type)) ? 'rate-limited' : 'stream', `${providerLabel} stopped mid-answer: ${String(d.error.message ?? d.error.type ?? 'error').slice(0, 200)}`);
      const choice = d.choices?.[0];
      const delta = choice?.delta ?? {};
      if (typeof delta.content === 'string' && delta.content) yield { type: 'text', text: delta.content };
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) yield { type: 'thinking', text: delta.reasoning_content };
      for (const tc of delta.tool_calls ?? []) {
        const c = calls.get(tc.index ?? 0) ?? { id: '', name: '', args: '' };
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.name += tc.function.name;
        if (tc.function?.arguments) c.args += tc.function.arguments;
        calls.set(tc.index ?? 0, c);
      }
      if (choice?.finish_reason) {
        for (const c of [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)) if (c.name) yield { type: 'tool_call', id: c.id || `call_${c.name}`, name: c.name, input: parseToolInput(c.args) };
        calls.clear();
      }
      if (d.usage) yield { type: 'usage', input: d.usage.prompt_tokens ?? 0, output: d.usage.completion_tokens ?? 0 };
    }
  } catch (err) {
    streamBroke(err, providerLabel, http.signal);
  }
}
