// Model APIs on 127.0.0.1, one server for every wire API the bridge speaks through pi-ai, each
// refusing what the real service refuses (facts: pi-ai 1.6.1 providers and the public API docs):
//   POST …/v1/messages            Anthropic Messages: anthropic-version; x-api-key, or a Bearer
//                                 `sk-ant-oat` token with the oauth beta (never as x-api-key)
//   POST …/chat/completions       OpenAI Chat Completions (and GitHub Copilot when the path starts
//                                 /copilot): Bearer; 400 "Unsupported parameter: 'max_tokens'" for
//                                 gpt-5 / o-series models, as api.openai.com answers; Copilot's
//                                 editor headers required on every /copilot route
//   POST …/responses              OpenAI Responses: Bearer, `input`; Azure (/openai/v1/…): api-key
//   POST …/codex/responses        ChatGPT (Codex) backend: Bearer JWT, chatgpt-account-id equal to
//                                 the token's claim, OpenAI-Beta responses=experimental, store:false
//                                 (the system prompt may come as `instructions` or a developer item)
//   POST …/models/{m}:streamGenerateContent  Google Gemini: x-goog-api-key
// Each streams text, then one tool call (`weather`) unless the last message is a tool result,
// then usage. `answers` queues answers per key instead of the stream: a status with a JSON body
// (429, 401…), or `raw` text of a `contentType` (an HTML page with 200, as a captive portal or a
// wrong base URL gives); `hang` keeps a stream open.
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import * as zlib from 'node:zlib';

/** zstd as the Codex backend decodes it; a runner on Node < 22.15 asks the host tests' Node 24. */
async function unzstd(bytes) {
  if (zlib.zstdDecompressSync) return zlib.zstdDecompressSync(bytes);
  const { node24 } = await import('../host/setup.mjs');
  return execFileSync(
    node24,
    ['-e', 'process.stdout.write(require("zlib").zstdDecompressSync(require("fs").readFileSync(0)))'],
    {
      input: bytes,
    },
  );
}

const sse = (events) =>
  events
    .map(([e, d]) => `${e ? `event: ${e}\n` : ''}data: ${typeof d === 'string' ? d : JSON.stringify(d)}\n\n`)
    .join('');
const claim = (jwt) => {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())['https://api.openai.com/auth']
      ?.chatgpt_account_id;
  } catch {
    return undefined;
  }
};

export async function startModelEmulator() {
  const seen = [];
  /** key → queue of { status, headers, body } answered before streaming. */
  const answers = new Map();
  const state = { hang: false, text: 'Checking the weather in Oslo — °C?' };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const url = new URL(req.url, 'http://x');
    const h = req.headers;
    // The Codex backend takes zstd request bodies (pi-ai 1.x sends them so); others plain JSON.
    const bytes = Buffer.concat(chunks);
    let body;
    try {
      const raw = (h['content-encoding'] === 'zstd' ? await unzstd(bytes) : bytes).toString('utf8');
      body = raw ? JSON.parse(raw) : {};
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'We could not parse the JSON body of your request.' } }));
    }
    const rec = { method: req.method, path: url.pathname, headers: h, body, closedEarly: false };
    seen.push(rec);
    res.on('close', () => (rec.closedEarly = !res.writableFinished));
    const json = (status, value, headers = {}) => (
      res.writeHead(status, { 'content-type': 'application/json', ...headers }),
      res.end(JSON.stringify(value))
    );
    const refuse = (status, message, type = 'invalid_request_error') =>
      json(status, { type: 'error', error: { type, message } });
    const bearer = String(h.authorization ?? '').replace(/^Bearer /, '');
    const key = bearer || String(h['x-api-key'] ?? h['x-goog-api-key'] ?? h['api-key'] ?? '');
    // Queued answers are for model requests (POST), not for a model listing (GET …/models).
    const queued = req.method === 'POST' ? answers.get(key)?.shift() : undefined;
    if (queued?.raw !== undefined)
      return (
        res.writeHead(queued.status, { 'content-type': queued.contentType ?? 'text/html', ...queued.headers }),
        res.end(queued.raw)
      );
    if (queued)
      return json(queued.status, queued.body ?? { error: { message: `status ${queued.status}` } }, queued.headers);
    if (url.pathname.startsWith('/copilot') && (!h['editor-version'] || !h['copilot-integration-id']))
      return refuse(400, 'missing Editor-Version or Copilot-Integration-Id header');
    const stream = async (text) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += 64) {
        res.write(bytes.subarray(i, i + 64));
        await new Promise((r) => setTimeout(r, 0));
        if (res.destroyed) return;
      }
      if (!state.hang) res.end();
    };
    // The last turn of the conversation: pi-ai 1.x may end an Anthropic request with a mid-conversation
    // `system` message (output_config for newer Claude models), which is not a turn.
    const lastIsToolResult = (msgs, test) => test(msgs?.filter((m) => m?.role !== 'system').at(-1));
    const p = url.pathname;

    if (req.method === 'POST' && p.endsWith('/v1/messages')) {
      if (h['anthropic-version'] !== '2023-06-01') return refuse(400, 'anthropic-version header is required');
      if (String(h['x-api-key'] ?? '').includes('sk-ant-oat'))
        return refuse(401, 'OAuth authentication is currently not supported.', 'authentication_error');
      if (bearer && !String(h['anthropic-beta'] ?? '').includes('oauth-2025-04-20'))
        return refuse(401, 'OAuth authentication is currently not supported.', 'authentication_error');
      if (!bearer && !h['x-api-key']) return refuse(401, 'x-api-key header is required', 'authentication_error');
      if (typeof body.max_tokens !== 'number' || !body.model || !Array.isArray(body.messages))
        return refuse(400, 'model, max_tokens and messages are required');
      if (body.thinking?.type === 'enabled' && !(body.max_tokens > body.thinking.budget_tokens))
        return refuse(400, '`max_tokens` must be greater than `thinking.budget_tokens`');
      const done = lastIsToolResult(
        body.messages,
        (m) => Array.isArray(m?.content) && m.content.some((c) => c.type === 'tool_result'),
      );
      return stream(
        sse([
          [
            'message_start',
            {
              type: 'message_start',
              message: {
                id: 'msg_1',
                model: body.model,
                usage: { input_tokens: 12, cache_read_input_tokens: 4, output_tokens: 0 },
              },
            },
          ],
          ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
          [
            'content_block_delta',
            {
              type: 'content_block_delta',
              index: 0,
              delta: { type: 'text_delta', text: done ? 'It is 12 °C in Oslo.' : state.text },
            },
          ],
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
          ...(done
            ? []
            : [
                [
                  'content_block_start',
                  {
                    type: 'content_block_start',
                    index: 1,
                    content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
                  },
                ],
                [
                  'content_block_delta',
                  {
                    type: 'content_block_delta',
                    index: 1,
                    delta: { type: 'input_json_delta', partial_json: '{"city": "Os' },
                  },
                ],
                [
                  'content_block_delta',
                  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'lo"}' } },
                ],
                ['content_block_stop', { type: 'content_block_stop', index: 1 }],
              ]),
          [
            'message_delta',
            {
              type: 'message_delta',
              delta: { stop_reason: done ? 'end_turn' : 'tool_use' },
              usage: { output_tokens: 34 },
            },
          ],
          ['message_stop', { type: 'message_stop' }],
        ]),
      );
    }

    if (req.method === 'POST' && p.endsWith('/chat/completions')) {
      if (!bearer) return refuse(401, 'You did not provide an API key.');
      if (!body.model || !Array.isArray(body.messages)) return refuse(400, 'model and messages are required');
      if (/^(openai\/)?(gpt-5|o\d)/.test(body.model) && 'max_tokens' in body)
        return refuse(
          400,
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        );
      const done = lastIsToolResult(body.messages, (m) => m?.role === 'tool');
      return stream(
        sse([
          [
            undefined,
            {
              id: 'c1',
              choices: [
                { index: 0, delta: { role: 'assistant', content: done ? 'It is 12 °C in Oslo.' : state.text } },
              ],
            },
          ],
          ...(done
            ? []
            : [
                [
                  undefined,
                  {
                    id: 'c1',
                    choices: [
                      {
                        index: 0,
                        delta: {
                          tool_calls: [
                            {
                              index: 0,
                              id: 'call_1',
                              type: 'function',
                              function: { name: 'weather', arguments: '{"ci' },
                            },
                          ],
                        },
                      },
                    ],
                  },
                ],
                [
                  undefined,
                  {
                    id: 'c1',
                    choices: [
                      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] } },
                    ],
                  },
                ],
              ]),
          [undefined, { id: 'c1', choices: [{ index: 0, delta: {}, finish_reason: done ? 'stop' : 'tool_calls' }] }],
          [
            undefined,
            {
              id: 'c1',
              choices: [],
              usage: { prompt_tokens: 9, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 2 } },
            },
          ],
          [undefined, '[DONE]'],
        ]),
      );
    }

    if (req.method === 'POST' && p.endsWith('/responses')) {
      if (p.startsWith('/openai/') ? !h['api-key'] : !bearer) return refuse(401, 'You did not provide an API key.');
      if (p.endsWith('/codex/responses')) {
        const account = claim(bearer);
        if (!account || h['chatgpt-account-id'] !== account)
          return refuse(401, 'chatgpt-account-id does not match the token');
        if (h['openai-beta'] !== 'responses=experimental')
          return refuse(400, 'OpenAI-Beta: responses=experimental is required');
        if (body.store !== false) return refuse(400, 'Store must be set to false');
      }
      if (!body.model || !Array.isArray(body.input)) return refuse(400, 'model and input are required');
      if ('max_tokens' in body || 'max_completion_tokens' in body)
        return refuse(400, "Unsupported parameter: 'max_tokens'. Use 'max_output_tokens'.");
      const done = body.input.at(-1)?.type === 'function_call_output';
      const msg = {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: done ? 'It is 12 °C in Oslo.' : state.text, annotations: [] }],
      };
      const call = {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'call_1',
        name: 'weather',
        arguments: '{"city":"Oslo"}',
        status: 'completed',
      };
      return stream(
        sse([
          ['response.created', { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } }],
          [
            'response.output_item.added',
            {
              type: 'response.output_item.added',
              output_index: 0,
              item: { ...msg, status: 'in_progress', content: [] },
            },
          ],
          [
            'response.content_part.added',
            {
              type: 'response.content_part.added',
              item_id: 'msg_1',
              output_index: 0,
              content_index: 0,
              part: { type: 'output_text', text: '', annotations: [] },
            },
          ],
          [
            'response.output_text.delta',
            {
              type: 'response.output_text.delta',
              item_id: 'msg_1',
              output_index: 0,
              content_index: 0,
              delta: msg.content[0].text,
            },
          ],
          ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item: msg }],
          ...(done
            ? []
            : [
                [
                  'response.output_item.added',
                  {
                    type: 'response.output_item.added',
                    output_index: 1,
                    item: { ...call, arguments: '', status: 'in_progress' },
                  },
                ],
                [
                  'response.function_call_arguments.delta',
                  {
                    type: 'response.function_call_arguments.delta',
                    item_id: 'fc_1',
                    output_index: 1,
                    delta: call.arguments,
                  },
                ],
                [
                  'response.function_call_arguments.done',
                  {
                    type: 'response.function_call_arguments.done',
                    item_id: 'fc_1',
                    output_index: 1,
                    arguments: call.arguments,
                  },
                ],
                ['response.output_item.done', { type: 'response.output_item.done', output_index: 1, item: call }],
              ]),
          [
            'response.completed',
            {
              type: 'response.completed',
              response: {
                id: 'resp_1',
                status: 'completed',
                usage: {
                  input_tokens: 20,
                  input_tokens_details: { cached_tokens: 8 },
                  output_tokens: 7,
                  total_tokens: 27,
                },
              },
            },
          ],
        ]),
      );
    }

    const google = /\/models\/([^/:]+):streamGenerateContent$/.exec(p);
    if (req.method === 'POST' && google) {
      if (!h['x-goog-api-key'])
        return json(403, {
          error: {
            code: 403,
            message: "Method doesn't allow unregistered callers. Please use API Key.",
            status: 'PERMISSION_DENIED',
          },
        });
      if (!Array.isArray(body.contents))
        return json(400, { error: { code: 400, message: 'contents is required', status: 'INVALID_ARGUMENT' } });
      const done = body.contents.at(-1)?.parts?.some((x) => x.functionResponse);
      const usageMetadata = {
        promptTokenCount: 11,
        candidatesTokenCount: 6,
        cachedContentTokenCount: 3,
        totalTokenCount: 17,
      };
      return stream(
        sse([
          [
            undefined,
            {
              candidates: [
                { content: { role: 'model', parts: [{ text: done ? 'It is 12 °C in Oslo.' : state.text }] }, index: 0 },
              ],
            },
          ],
          ...(done
            ? []
            : [
                [
                  undefined,
                  {
                    candidates: [
                      {
                        content: {
                          role: 'model',
                          parts: [{ functionCall: { name: 'weather', args: { city: 'Oslo' } } }],
                        },
                        index: 0,
                      },
                    ],
                  },
                ],
              ]),
          [
            undefined,
            { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'STOP', index: 0 }], usageMetadata },
          ],
        ]),
      );
    }
    json(404, { error: { message: `no route ${req.method} ${p}` } });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    seen,
    state,
    /** Answers the next request with this key with `status` (and headers/body) instead of streaming. */
    answer(key, status, extra = {}) {
      answers.set(key, [...(answers.get(key) ?? []), { status, ...extra }]);
    },
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** A ChatGPT access token shaped as the Codex backend expects (unsigned; emulator only). */
export function codexToken(accountId) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ 'https://api.openai.com/auth': { chatgpt_account_id: accountId }, exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
}
