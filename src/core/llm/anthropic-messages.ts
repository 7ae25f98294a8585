// Anthropic Messages API, streaming: text deltas, tool_use blocks with input_json_delta,
// thinking blocks, usage; an `error` event mid-stream is a typed failure. Subscription (OAuth)
// tokens are sent the way pi sends them (Bearer, the claude-code and oauth betas, Claude Code's
// user agent and first system line). Facts: pi-ai providers/anthropic.js (0.73.1).
import { postJsonStream, type HttpOptions } from '../http';
import { parseToolInput, type ChatPart, type ChatRequest, type Endpoint, type StreamEvent } from './chat';
import { ModelError, streamBroke, streamRefused } from './errors';
import { sseJson } from './sse';

const CLAUDE_CODE_SYSTEM = "You are Claude Code, Anthropic's official CLI for Claude.";

function headersFor(e: Endpoint): Record<string, string> {
  const base = { 'anthropic-version': '2023-06-01', ...e.headers };
  if (!e.oauth) return { ...base, 'x-api-key': e.key };
  return { ...base, authorization: `Bearer ${e.key}`, 'anthropic-beta': 'claude-code-20250219,oauth-2025-04-20', 'user-agent': 'claude-cli/2.1.75', 'x-app': 'cli' };
}

const toContent = (parts: readonly ChatPart[]) =>
  parts.map((p) =>
    p.type === 'text' ? { type: 'text', text: p.text } : p.type === 'tool_call' ? { type: 'tool_use', id: p.id, name: p.name, input: p.input } : { type: 'tool_result', tool_use_id: p.callId, content: p.content },
  );

export function anthropicBody(req: ChatRequest, oauth: boolean) {
  const system = [...(oauth ? [{ type: 'text', text: CLAUDE_CODE_SYSTEM }] : []), ...(req.system ? [{ type: 'text', text: req.system }] : [])];
  return {
    model: req.model,
    max_tokens: req.maxTokens,
    stream: true,
    ...(system.length ? { system } : {}),
    messages: req.messages.map((m) => ({ role: m.role, content: toContent(m.parts) })),
    ...(req.tools?.length ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) } : {}),
  };
}

export async function* streamAnthropic(req: ChatRequest, e: Endpoint, http: HttpOptions = {}): AsyncGenerator<StreamEvent> {
  const res = await postJsonStream(`${e.baseUrl.replace(/\/+$/, '')}/v1/messages`, anthropicBody(req, e.oauth === true), { ...http, headers: headersFor(e) });
  if (res.status !== 200) throw await streamRefused(res, 'Anthropic');
  const blocks = new Map<number, { type: string; id?: string; name?: string; json: string }>();
  let input = 0;
  try {
    for await (const d of sseJson(res.body)) {
      switch (d.type) {
        case 'message_start':
          input = d.message?.usage?.input_tokens ?? 0;
          break;
        case 'content_block_start':
          blocks.set(d.index, { type: d.content_block?.type, id: d.content_block?.id, name: d.content_block?.name, json: '' });
          if (d.content_block?.type === 'text' && d.content_block.text) yield { type: 'text', text: d.content_block.text };
          break;
        case 'content_block_delta': {
          const delta = d.delta ?? {};
          if (delta.type === 'text_delta') yield { type: 'text', text: delta.text ?? '' };
          else if (delta.type === 'thinking_delta') yield { type: 'thinking', text: delta.thinking ?? '' };
          else if (delta.type === 'input_json_delta') {
            const b = blocks.get(d.index);
            if (b) b.json += delta.partial_json ?? '';
          }
          break;
        }
        case 'content_block_stop': {
          const b = blocks.get(d.index);
          if (b?.type === 'tool_use' && b.id && b.name) yield { type: 'tool_call', id: b.id, name: b.name, input: parseToolInput(b.json) };
          blocks.delete(d.index);
          break;
        }
        case 'message_delta':
          if (d.usage?.output_tokens !== undefined) yield { type: 'usage', input, output: d.usage.output_tokens };
          break;
        case 'error': {
          const type = d.error?.type ?? 'error';
          throw new ModelError(type === 'overloaded_error' || type === 'rate_limit_error' ? 'rate-limited' : 'stream', `Anthropic stopped mid-answer: ${type}`, type === 'overloaded_error' || type === 'rate_limit_error' ? Date.now() + 30_000 : undefined);
        }
      }
    }
  } catch (err) {
    streamBroke(err, 'Anthropic', http.signal);
  }
}
