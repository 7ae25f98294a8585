// Key shape warnings and the quick check against a loopback models endpoint that, like the real
// ones, accepts only its own header (Anthropic: x-api-key + anthropic-version; OpenAI: bearer).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { canCheckKey, checkKey, keyShapeWarning } from '../../src/core/key-check';

const GOOD = 'sk-ant-api03-goodKEY-0123456789abcdef';

function modelsServer(): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const anthropicOk =
      req.url === '/v1/models' &&
      req.headers['x-api-key'] === GOOD &&
      req.headers['anthropic-version'] === '2023-06-01' &&
      !req.headers.authorization;
    const openaiOk = req.url === '/models' && req.headers.authorization === 'Bearer sk-proj-goodOPENAI-0123456789';
    if (req.url === '/broken/models') return void (res.writeHead(500), res.end());
    res.writeHead(anthropicOk || openaiOk ? 200 : 401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        anthropicOk || openaiOk
          ? { data: [] }
          : { error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      ),
    );
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () =>
      r({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, seen }),
    ),
  );
}

describe('key check', () => {
  it('warns on a key whose prefix belongs to another provider, never blocks', () => {
    assert.match(
      keyShapeWarning('anthropic', 'sk-proj-abc0123456789abcdef') ?? '',
      /an OpenAI key \(sk-proj-…\), not an Anthropic key\. It can still be saved/,
    );
    assert.match(keyShapeWarning('openai', GOOD) ?? '', /an Anthropic key/);
    assert.match(keyShapeWarning('groq', 'sk-or-v1-0123456789abcdef') ?? '', /OpenRouter/);
    assert.equal(keyShapeWarning('anthropic', GOOD), undefined);
    assert.equal(keyShapeWarning('deepseek', 'sk-0123456789abcdef0123'), undefined, 'plain sk- says nothing');
    assert.equal(keyShapeWarning('vercel-ai-gateway', GOOD), undefined, 'gateways take any key');
  });

  it('asks the models endpoint: accepted, refused, unknown; the key never in a message', async () => {
    const { url, server, seen } = await modelsServer();
    try {
      assert.equal(canCheckKey('anthropic'), true);
      assert.equal((await checkKey('anthropic', GOOD, {}, url)).result, 'accepted');
      const refused = await checkKey('anthropic', 'sk-ant-api03-wrongKEY-0123456789', {}, url);
      assert.equal(refused.result, 'refused');
      assert.ok(!refused.message.includes('wrongKEY'));
      assert.equal((await checkKey('openai', 'sk-proj-goodOPENAI-0123456789', {}, url)).result, 'accepted');
      assert.equal((await checkKey('openai', 'sk-proj-badOPENAI-0123456789', {}, url)).result, 'refused');
      assert.equal((await checkKey('openai', 'sk-proj-goodOPENAI-0123456789', {}, `${url}/broken`)).result, 'unknown');
      assert.deepEqual(seen.slice(0, 2), ['GET /v1/models', 'GET /v1/models']);
    } finally {
      server.close();
    }
    const offline = await checkKey('anthropic', GOOD, {}, url);
    assert.equal(offline.result, 'unknown');
    assert.match(offline.message, /Could not reach 127\.0\.0\.1/);
    assert.ok(!offline.message.includes(GOOD));
    assert.equal((await checkKey('amazon-bedrock', 'x'.repeat(30))).result, 'unknown');
  });
});
