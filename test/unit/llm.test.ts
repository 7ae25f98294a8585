import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { isFault } from '../../src/core/faults';
import { ModelBridge } from '../../src/core/llm/model-bridge';
import type { ChatRequest, ModelSpec, StreamEvent } from '../../src/core/llm/chat';
import { ModelError } from '../../src/core/llm/errors';
import { ModelList } from '../../src/core/llm/model-list';
import * as models from '../../src/core/llm/models';
import { requireProvider } from '../../src/core/providers/directory';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { KeyResolver } from '../../src/core/resolver';
import { defaultsOf } from './helpers';
import { bridgeWith, emulators, type Emulator } from './llm-harness';
import { quiet } from './window';

const collect = async (gen: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
};
const textOf = (evs: StreamEvent[]) => evs.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
const WEATHER = [
  {
    name: 'weather',
    description: 'Weather in a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];
const ask = (model: string): ChatRequest => ({
  model,
  system: 'Be brief.',
  maxTokens: 1000,
  messages: [{ role: 'user', parts: [{ type: 'text', text: 'Weather in Oslo?' }] }],
  tools: WEATHER,
});
/** The same conversation after the tool ran: the call and its result go back. */
const answered = (model: string, callId: string): ChatRequest => ({
  ...ask(model),
  messages: [
    ...ask(model).messages,
    {
      role: 'assistant',
      parts: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_call', id: callId, name: 'weather', input: { city: 'Oslo' } },
      ],
    },
    { role: 'user', parts: [{ type: 'tool_result', callId, content: '12 °C' }] },
  ],
});

describe('language-model bridge on pi-ai: each wire API against its emulator, rotation, cancellation', function () {
  this.timeout(30_000);
  let em: Emulator;
  let codexToken: (a: string) => string;
  beforeEach(async () => {
    const m = await emulators();
    em = await m.startModelEmulator();
    codexToken = m.codexToken;
  });
  afterEach(() => em.close());

  it('Anthropic Messages: an API key as x-api-key; text, a tool call, usage with cached tokens; the tool result goes back', async () => {
    const s = await bridgeWith(em, [['anthropic', 'work', 'sk-ant-api03-bridge-0123456789']], {});
    const evs = await collect(s.bridge.chat('anthropic', ask('claude-sonnet-4-5')));
    const { headers, body, path } = em.seen[0];
    assert.equal(path, '/v1/messages');
    assert.equal(headers['x-api-key'], 'sk-ant-api03-bridge-0123456789');
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.ok(body.max_tokens > 0);
    assert.equal(body.tools[0].name, 'weather');
    assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
    assert.deepEqual(
      evs.filter((e) => e.type === 'tool_call'),
      [{ type: 'tool_call', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }],
    );
    assert.deepEqual(evs.at(-1), { type: 'usage', input: 16, output: 34, cached: 4 });
    assert.deepEqual(s.ledger.forToday('anthropic', 'work'), {
      input: 16,
      output: 34,
      requests: 1,
      cached: 4,
    });
    const next = await collect(s.bridge.chat('anthropic', answered('claude-sonnet-4-5', 'toolu_1')));
    assert.equal(textOf(next), 'It is 12 °C in Oslo.');
    const sent = em.seen[1].body.messages;
    assert.deepEqual(
      [sent.at(-1).content[0].type, sent.at(-1).content[0].tool_use_id, sent.at(-1).content[0].content],
      ['tool_result', 'toolu_1', '12 °C'],
    );
    s.t.cleanup();
  });

  it('thinking only when asked (the models.showThinking setting): Anthropic gets a thinking budget, and not otherwise', async () => {
    const s = await bridgeWith(em, [['anthropic', 'work', 'sk-ant-api03-think']], {});
    await collect(s.bridge.chat('anthropic', { ...ask('claude-sonnet-4-5'), thinking: true }));
    await collect(s.bridge.chat('anthropic', ask('claude-sonnet-4-5')));
    assert.equal(em.seen[0].body.thinking?.type, 'enabled');
    assert.ok(em.seen[0].body.thinking.budget_tokens > 0);
    assert.notEqual(em.seen[1].body.thinking?.type, 'enabled');
    s.t.cleanup();
  });

  it('Anthropic: an sk-ant-oat token stored as an API key goes out as a subscription token (Bearer, oauth beta, Claude Code system line), as pi decides by its shape', async () => {
    const s = await bridgeWith(em, [['anthropic', 'imported', 'sk-ant-oat01-imported-0123456789']], {});
    assert.equal(
      textOf(await collect(s.bridge.chat('anthropic', ask('claude-sonnet-4-5')))),
      'Checking the weather in Oslo — °C?',
    );
    const { headers, body } = em.seen[0];
    assert.equal(headers.authorization, 'Bearer sk-ant-oat01-imported-0123456789');
    assert.equal(headers['x-api-key'], undefined);
    assert.match(String(headers['anthropic-beta']), /oauth-2025-04-20/);
    assert.match(JSON.stringify(body.system), /You are Claude Code/);
    s.t.cleanup();
  });

  it('OpenAI Chat Completions: gpt-5 gets max_completion_tokens (the emulator refuses max_tokens) and the system prompt; text, tool call, usage', async () => {
    const s = await bridgeWith(em, [['openrouter', 'main', 'sk-or-v1-bridge']], { openrouter: '/v1' });
    const evs = await collect(s.bridge.chat('openrouter', ask('openai/gpt-5')));
    const { headers, body, path } = em.seen[0];
    assert.equal(path, '/v1/chat/completions');
    assert.equal(headers.authorization, 'Bearer sk-or-v1-bridge');
    assert.equal('max_tokens' in body, false);
    assert.ok(body.max_completion_tokens > 0);
    assert.deepEqual(body.messages[0], { role: 'system', content: 'Be brief.' }, "pi-ai 1.x's choice for OpenRouter");
    assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
    assert.deepEqual(
      evs.filter((e) => e.type !== 'text'),
      [
        { type: 'tool_call', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
        { type: 'usage', input: 9, output: 5, cached: 2 },
      ],
    );
    const next = await collect(s.bridge.chat('openrouter', answered('openai/gpt-5', 'call_1')));
    assert.equal(textOf(next), 'It is 12 °C in Oslo.');
    assert.deepEqual(
      em.seen[1].body.messages.find((m: { role: string }) => m.role === 'tool'),
      { role: 'tool', content: '12 °C', tool_call_id: 'call_1' },
    );
    s.t.cleanup();
  });

  it('OpenAI (api.openai.com models): the Responses API with max_output_tokens; text, tool call, cached usage', async () => {
    const s = await bridgeWith(em, [['openai', 'proj', 'sk-proj-bridge']], { openai: '/v1' });
    const evs = await collect(s.bridge.chat('openai', ask('gpt-5')));
    const { body, path } = em.seen[0];
    assert.equal(path, '/v1/responses');
    assert.ok(body.max_output_tokens > 0);
    assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
    const call = evs.find((e) => e.type === 'tool_call');
    assert.deepEqual(call && { ...call, id: call.id.split('|')[0] }, {
      type: 'tool_call',
      id: 'call_1',
      name: 'weather',
      input: { city: 'Oslo' },
    });
    assert.deepEqual(evs.at(-1), { type: 'usage', input: 20, output: 7, cached: 8 });
    assert.equal(
      textOf(
        await collect(s.bridge.chat('openai', answered('gpt-5', call && call.type === 'tool_call' ? call.id : ''))),
      ),
      'It is 12 °C in Oslo.',
    );
    s.t.cleanup();
  });

  it('ChatGPT Plus/Pro (Codex): the backend gets the account id from the token, store:false and the system prompt', async () => {
    const token = codexToken('acct-1234');
    const s = await bridgeWith(
      em,
      [['openai-codex', 'personal', token, true]],
      { 'openai-codex': '/backend-api' },
      { subscriptionSignIns: true },
    );
    const evs = await collect(s.bridge.chat('openai-codex', ask('gpt-5.1')));
    const { headers, body, path } = em.seen[0];
    assert.equal(path, '/backend-api/codex/responses');
    assert.equal(headers['chatgpt-account-id'], 'acct-1234');
    assert.equal(body.store, false);
    // pi-ai 1.x keeps the system prompt in a leading developer item (prompt caching across turns).
    assert.match(
      JSON.stringify(body.instructions ?? body.input.filter((i: { role?: string }) => i.role === 'developer')),
      /Be brief\./,
    );
    assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
    assert.equal(evs.filter((e) => e.type === 'tool_call').length, 1);
    s.t.cleanup();
  });

  it("GitHub Copilot: the editor headers pi sends, the token as Bearer; its API base comes from the token's proxy-ep", async () => {
    const s = await bridgeWith(
      em,
      [['github-copilot', 'octo', 'tid=1;exp=9999999999;proxy-ep=proxy.individual.githubcopilot.com;sku=x', true]],
      { 'github-copilot': '/copilot' },
      { subscriptionSignIns: true },
    );
    const evs = await collect(s.bridge.chat('github-copilot', ask('kimi-k3')));
    const { headers, path } = em.seen[0];
    assert.equal(path, '/copilot/chat/completions');
    assert.match(String(headers.authorization), /^Bearer tid=1;/);
    assert.match(String(headers['editor-version']), /^vscode\//);
    assert.equal(headers['copilot-integration-id'], 'vscode-chat');
    assert.equal(headers['x-initiator'], 'user');
    assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
    const plain = new ModelBridge({
      vault: s.vault,
      resolver: new KeyResolver({
        vault: s.vault,
        oauth: () => undefined,
        log: quiet,
        inUse: defaultsOf(s.vault),
        locked: lockedRun({ inUse: defaultsOf(s.vault), mirror: () => undefined, privateLock: `${s.t.dir}/q` }),
      }),
      rotation: s.rotation,
      feedback: s.feedback,
      log: quiet,
      load: async () => models,
    });
    // The base URL of a sign-in is pi-ai's to derive from the token (oauth.toAuth), not ours.
    const endpoint = await plain.endpoint('github-copilot', 'octo');
    assert.equal(endpoint.baseUrl, undefined);
    assert.deepEqual(endpoint.oauth, {});
    s.t.cleanup();
  });

  it('subscription sign-ins are offered to other extensions only once the setting is on; API-key accounts either way', async () => {
    const accounts: Parameters<typeof bridgeWith>[1] = [
      ['github-copilot', 'octo', 'tid=1;exp=9999999999;proxy-ep=proxy.individual.githubcopilot.com;sku=x', true],
      ['openai-codex', 'personal', codexToken('acct-9'), true],
      ['anthropic', 'max', 'sk-ant-oat01-subscription', true],
      ['anthropic', 'key', 'sk-ant-api03-plainkey'],
      ['groq', 'only', 'gsk_only'],
      // OpenRouter's OAuth hands out an API key (pi-ai: subscription false): not a subscription.
      ['openrouter', 'oauth-key', 'sk-or-v1-0123', true],
    ];
    const off = await bridgeWith(em, accounts, { anthropic: '', groq: '/v1' });
    const listed = Object.keys(await off.bridge.models()).sort();
    assert.deepEqual(listed, ['anthropic', 'groq', 'openrouter']);
    assert.deepEqual(off.bridge.candidates('anthropic'), ['key'], 'Anthropic: the API key only, not the Max sign-in');
    await assert.rejects(
      collect(off.bridge.chat('github-copilot', ask('kimi-k3'))),
      (e) => isFault(e, 'not-found') && /subscription sign-ins/.test((e as Error).message),
    );
    assert.equal(em.seen.length, 0, 'nothing sent with a subscription');
    const on = await bridgeWith(em, accounts, { anthropic: '', groq: '/v1' }, { subscriptionSignIns: true });
    assert.deepEqual(Object.keys(await on.bridge.models()).sort(), [
      'anthropic',
      'github-copilot',
      'groq',
      'openai-codex',
      'openrouter',
    ]);
    assert.deepEqual(on.bridge.candidates('anthropic').sort(), ['key', 'max']);
    off.t.cleanup();
    on.t.cleanup();
  });

  it('Google Gemini: x-goog-api-key; text, a function call, usage', async () => {
    const s = await bridgeWith(em, [['google', 'studio', 'AIza-bridge-0123456789']], { google: '/v1beta' });
    const evs = await collect(s.bridge.chat('google', ask('gemini-2.5-flash')));
    const { headers, path, body } = em.seen[0];
    assert.equal(path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(headers['x-goog-api-key'], 'AIza-bridge-0123456789');
    assert.equal(body.contents[0].parts[0].text, 'Weather in Oslo?');
    assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
    assert.deepEqual(
      evs.filter((e) => e.type === 'tool_call').map((e) => e.type === 'tool_call' && [e.name, e.input]),
      [['weather', { city: 'Oslo' }]],
    );
    assert.equal(evs.at(-1)?.type, 'usage');
    s.t.cleanup();
  });

  it("Azure OpenAI and Cloudflare: the account's values (base URL, deployment, account id) reach pi-ai per request, not through process.env", async () => {
    // Azure's id is `azure` since pi 1.0.3, in the directory and in the bridge's pi-ai 1.x.
    {
      const s = await bridgeWith(
        em,
        [
          [
            'azure',
            'prod',
            'azure-key-0123456789',
            false,
            { AZURE_OPENAI_BASE_URL: `${em.base}/openai/v1`, AZURE_OPENAI_DEPLOYMENT_NAME_MAP: 'gpt-4.1=prod-41' },
          ],
        ],
        { none: '' },
      );
      const evs = await collect(s.bridge.chat('azure', ask('gpt-4.1')));
      const { headers, body, path } = em.seen[0];
      assert.equal(path, '/openai/v1/responses');
      assert.equal(headers['api-key'], 'azure-key-0123456789');
      assert.equal(body.model, 'prod-41', 'the deployment named for the model');
      assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
      s.t.cleanup();
    }
    assert.equal(
      models.baseUrlOf('https://api.cloudflare.com/client/v4/accounts/{CLOUDFLARE_ACCOUNT_ID}/ai/v1', {
        key: 'k',
        vars: { CLOUDFLARE_ACCOUNT_ID: '0123456789abcdef0123456789abcdef' },
      }),
      'https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1',
    );
    assert.deepEqual(
      requireProvider('google-vertex').streamOptions?.(
        { GOOGLE_CLOUD_PROJECT: 'proj', GOOGLE_CLOUD_LOCATION: 'europe-west4' },
        'gemini-2.5-pro',
      ),
      { project: 'proj', location: 'europe-west4' },
    );
  });

  it('images from VS Code (LanguageModelDataPart) reach the model as image content', async () => {
    const s = await bridgeWith(em, [['anthropic', 'work', 'sk-ant-api03-img']], {});
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    await collect(
      s.bridge.chat('anthropic', {
        ...ask('claude-sonnet-4-5'),
        messages: [
          {
            role: 'user',
            parts: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', data: png, mimeType: 'image/png' },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(em.seen[0].body.messages[0].content[1].source, {
      type: 'base64',
      media_type: 'image/png',
      data: png,
    });
    s.t.cleanup();
  });

  it('the catalog: pi names and limits for every provider with an account; Bedrock is left out', async () => {
    const c = await models.catalog([
      'anthropic',
      'openai-codex',
      'github-copilot',
      'google',
      'groq',
      'amazon-bedrock',
      'no-such',
    ]);
    assert.deepEqual(Object.keys(c).sort(), ['anthropic', 'github-copilot', 'google', 'groq', 'openai-codex']);
    const sonnet = c.anthropic.find((m) => m.id === 'claude-sonnet-5-5');
    assert.ok(
      sonnet && sonnet.name.includes('Sonnet') && sonnet.contextWindow >= 200_000 && sonnet.images && sonnet.reasoning,
    );
    // pi's default model first, no "(latest)" twin, a curated few selectable, the rest in Manage Models.
    assert.equal(c.anthropic[0].id, 'claude-opus-5-5');
    assert.equal(c.anthropic[0].isDefault, true);
    assert.equal(c['openai-codex'][0].id, 'gpt-6.2-sol');
    for (const list of Object.values(c)) {
      assert.ok(!list.some((m) => /\(latest\)/.test(m.name)), 'no (latest) twins');
      assert.deepEqual(new Set(list.map((m) => m.name)).size, list.length, 'each name once');
      const shown = list.filter((m) => m.selectable).length;
      assert.ok(shown >= 1 && shown <= 6, `${shown} selectable`);
    }
    assert.ok(!c.anthropic.some((m) => m.id === 'claude-sonnet-4-5'), 'the (latest) alias of Sonnet 4.5 is gone');
    assert.ok(
      c.anthropic.some((m) => m.id === 'claude-sonnet-4-5-20250929'),
      'its dated twin stays',
    );
  });

  it("errors: 429 with Retry-After, 529, 401 and 400 become typed ModelErrors with the provider's reason", async () => {
    const s = await bridgeWith(em, [['groq', 'only', 'gsk_only']], { groq: '/v1' });
    const cases: [number, object, string][] = [
      [429, { 'retry-after': '20' }, 'rate-limited'],
      [401, {}, 'unauthorized'],
      [400, {}, 'request'],
    ];
    for (const [status, headers, kind] of cases) {
      em.answer('gsk_only', status, { headers, body: { error: { message: `reason ${status}` } } });
      await s.vault.add('groq', 'only', { type: 'api_key', key: 'gsk_only' }).catch(() => undefined);
      const started = Date.now();
      await assert.rejects(
        collect(
          models.streamModel(
            'groq',
            ask('llama-3.3-70b-versatile'),
            { key: 'gsk_only', baseUrl: `${em.base}/v1` },
            { label: 'Groq', fail: (k, m, r) => new ModelError(k, m, r) },
          ),
        ),
        (e) =>
          e instanceof ModelError &&
          e.kind === kind &&
          e.message.includes(`reason ${status}`) &&
          (kind !== 'rate-limited' || (e.retryAt ?? 0) >= started + 19_000),
        `${status} → ${kind}`,
      );
    }
    const overloaded = models.failure(
      (k, m, r) => new ModelError(k, m, r),
      'Anthropic',
      '529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      { requests: 1, status: 0, headers: {} },
    );
    assert.ok(overloaded instanceof ModelError && overloaded.kind === 'rate-limited');
    s.t.cleanup();
  });

  it('cancellation ends the stream at once and closes the connection', async () => {
    em.state.hang = true;
    const s = await bridgeWith(em, [['groq', 'only', 'gsk_only']], { groq: '/v1' });
    const ac = new AbortController();
    const got: string[] = [];
    const run = (async () => {
      for await (const e of s.bridge.chat('groq', ask('llama-3.3-70b-versatile'), ac.signal)) {
        if (e.type === 'text') {
          got.push(e.text);
          ac.abort();
        }
      }
    })();
    await assert.rejects(run, (e) => isFault(e));
    assert.deepEqual(got, ['Checking the weather in Oslo — °C?']);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(em.seen[0].closedEarly, true, 'the server saw the request go away');
    s.t.cleanup();
  });

  it('a model layer that fails to load is a typed fault, and the next request tries again', async () => {
    let calls = 0;
    const s = await bridgeWith(em, [['groq', 'only', 'gsk_only']], { groq: '/v1' });
    const bridge = new ModelBridge({
      vault: s.vault,
      resolver: new KeyResolver({
        vault: s.vault,
        oauth: () => undefined,
        log: quiet,
        inUse: defaultsOf(s.vault),
        locked: lockedRun({ inUse: defaultsOf(s.vault), mirror: () => undefined, privateLock: `${s.t.dir}/q` }),
      }),
      rotation: s.rotation,
      feedback: s.feedback,
      log: quiet,
      load: async () => (++calls === 1 ? Promise.reject(new Error('Cannot find module')) : models),
      testRoute: () => `${em.base}/v1`,
    });
    await assert.rejects(
      bridge.models(),
      (e) => isFault(e, 'model-layer-failed') && /model layer/.test((e as Error).message),
    );
    assert.ok((await bridge.models()).groq.length > 0);
    s.t.cleanup();
  });

  it("model lists: the provider's /models added to pi's, fetched at most daily, a failure changes nothing", async () => {
    let calls = 0;
    let fail = false;
    const server = createServer(
      (req, res) => (
        calls++,
        assert.equal(req.headers.authorization, 'Bearer gsk_list'),
        res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' }),
        res.end(
          fail
            ? '{}'
            : JSON.stringify({
                object: 'list',
                data: [{ id: 'llama-3.3-70b-versatile' }, { id: 'qwen/qwen3-32b-new' }],
              }),
        )
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const builtIn: ModelSpec[] = [
      {
        id: 'llama-3.3-70b-versatile',
        name: 'Llama 3.3 70B',
        api: 'openai-completions',
        baseUrl: 'https://api.groq.com/openai/v1',
        contextWindow: 131072,
        maxTokens: 32768,
        reasoning: false,
        images: false,
      },
    ];
    let saved: unknown;
    let now = 1_000_000;
    const list = new ModelList({ get: () => saved, set: (v) => void (saved = v) }, () => now);
    assert.deepEqual(
      list.models('groq', builtIn).map((m) => m.id),
      ['llama-3.3-70b-versatile'],
    );
    assert.equal(await list.refresh('groq', builtIn, base, 'gsk_list'), true);
    assert.deepEqual(
      list.models('groq', builtIn).map((m) => [m.id, m.contextWindow]),
      [
        ['llama-3.3-70b-versatile', 131072],
        ['qwen/qwen3-32b-new', 131072],
      ],
    );
    assert.equal(await list.refresh('groq', builtIn, base, 'gsk_list'), false, 'cached for a day');
    assert.equal(calls, 1);
    assert.equal(
      new ModelList({ get: () => saved, set: () => undefined }, () => now).models('groq', builtIn).length,
      2,
      'the cache survives a reload',
    );
    now += 25 * 3_600_000;
    fail = true;
    assert.equal(await list.refresh('groq', builtIn, base, 'gsk_list'), false);
    assert.equal(list.models('groq', builtIn).length, 2, 'a failing endpoint keeps what was known');
    assert.ok(!JSON.stringify(saved).includes('gsk_list'), 'no key in the cache');
    assert.equal(
      await list.refresh('anthropic', [{ ...builtIn[0], api: 'anthropic-messages' }], base, 'k'),
      false,
      'only Chat Completions providers list models this way',
    );
    await new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  });

  describe('rotation', () => {
    it('429 on the first account: it rests until Retry-After, the second account serves, nothing streamed twice', async () => {
      const s = await bridgeWith(
        em,
        [
          ['groq', 'first', 'gsk_first_0123456789abcdef'],
          ['groq', 'second', 'gsk_second_0123456789abcdef'],
        ],
        { groq: '/v1' },
      );
      em.answer('gsk_first_0123456789abcdef', 429, {
        headers: { 'retry-after': '30' },
        body: { error: { message: 'Rate limit reached' } },
      });
      const started = Date.now();
      const evs = await collect(s.bridge.chat('groq', ask('llama-3.3-70b-versatile')));
      assert.equal(textOf(evs), 'Checking the weather in Oslo — °C?');
      assert.ok((s.rotation.cooldownOf('groq', 'first') ?? 0) >= started + 29_000, 'resting for Retry-After');
      assert.equal(s.rotation.inUse('groq')?.name, 'second', 'rotation moved on');
      assert.match(s.served.join('\n'), /served by groq\/second/);
      assert.equal(em.seen.length, 2, 'no retries inside the SDK');
      s.t.cleanup();
    });

    it('401 marks the account for a new sign-in and the next one serves', async () => {
      const s = await bridgeWith(
        em,
        [
          ['anthropic', 'first', 'sk-ant-api03-first'],
          ['anthropic', 'second', 'sk-ant-api03-second'],
        ],
        {},
      );
      em.answer('sk-ant-api03-first', 401, {
        body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      });
      assert.equal(
        textOf(await collect(s.bridge.chat('anthropic', ask('claude-sonnet-4-5')))),
        'Checking the weather in Oslo — °C?',
      );
      assert.equal(s.vault.accounts('anthropic').find((a) => a.name === 'first')?.needsSignIn, true);
      assert.equal(em.seen.length, 2);
      s.t.cleanup();
    });
  });
});
