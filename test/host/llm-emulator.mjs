// The two model APIs pi talks to in these tests, on 127.0.0.1: Anthropic Messages (POST
// /v1/messages, SSE) and OpenAI Chat Completions (POST /v1/chat/completions, SSE). Strict like
// the real servers where pi's requests could differ: Anthropic wants anthropic-version and the
// key in x-api-key (API keys) or a Bearer token (sign-ins); OpenAI wants a Bearer key.
// `answer(key)` decides per key: { status, headers, message? } for a failure, or { headers } for a reply.
import { createServer } from 'node:http';

const sse = (events) =>
  events.map(([event, data]) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`).join('');

const anthropicReply = (text) =>
  sse([
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-emulated',
          content: [],
          usage: { input_tokens: 5, output_tokens: 0 },
        },
      },
    ],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }],
    ['message_stop', { type: 'message_stop' }],
  ]);

const openaiReply = (text) =>
  sse([
    [
      undefined,
      {
        id: 'c1',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { role: 'assistant', content: text } }],
      },
    ],
    [
      undefined,
      {
        id: 'c1',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      },
    ],
  ]) + 'data: [DONE]\n\n';

export async function startLlmEmulator(answer = () => ({})) {
  /** Every request: { api, key, at }. */
  const seen = [];
  const server = createServer(async (req, res) => {
    for await (const _ of req); // drain the body
    const fail = (status, error) => (
      res.writeHead(status, { 'content-type': 'application/json' }),
      res.end(JSON.stringify(error))
    );
    let api;
    let key;
    // pi 1.x asks Anthropic for /v1/messages?beta=true: the path decides.
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'POST' && path === '/v1/messages') {
      api = 'anthropic';
      if (!req.headers['anthropic-version'])
        return fail(400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'anthropic-version header is required' },
        });
      key = req.headers['x-api-key'] ?? (req.headers.authorization ?? '').replace(/^Bearer /, '');
    } else if (req.method === 'POST' && path === '/v1/chat/completions') {
      api = 'openai';
      key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    } else return fail(404, { error: 'not_found' });
    seen.push({ api, key, at: Date.now(), headers: req.headers });
    if (!key)
      return fail(
        401,
        api === 'anthropic'
          ? { type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } }
          : { error: { message: 'Missing API key', type: 'invalid_request_error' } },
      );
    const a = (await answer(key, api)) ?? {};
    if (a.status && a.status >= 400) {
      const type = a.status === 429 ? 'rate_limit_error' : a.status === 401 ? 'authentication_error' : 'api_error';
      return (
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }),
        res.end(
          JSON.stringify(
            api === 'anthropic'
              ? { type: 'error', error: { type, message: a.message ?? `emulated ${a.status}` } }
              : { error: { message: a.message ?? `emulated ${a.status}`, type } },
          ),
        )
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', ...a.headers });
    res.end(
      api === 'anthropic'
        ? anthropicReply(a.text ?? 'Hello from the emulator.')
        : openaiReply(a.text ?? 'Hello from the emulator.'),
    );
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, seen, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** pi's models.json pointing Anthropic and one OpenAI-compatible provider (Groq) at `base`. */
export const modelsJson = (base) => ({
  providers: {
    anthropic: { baseUrl: base },
    groq: { baseUrl: `${base}/v1` },
  },
});
