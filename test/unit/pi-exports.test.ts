// Every setting we export, read by pi's OWN code (@earendil-works/pi-ai 1.6.1's compat entry and
// @earendil-works/pi-coding-agent 1.6.0 from node_modules): its env-key resolution, its Azure
// deployment map, its Cloudflare URLs, and its ModelRuntime reading auth.json and models.json.
// Where pi would go to the network, its requests are captured at fetch: the URL, headers and body
// it would send are what the test checks.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialFromForm } from '../../src/core/providers/forms';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { ModelsMirror } from '../../src/core/mirror/models-mirror';
import { PROVIDERS } from '../../src/core/providers/directory';
import { sharedVariables, terminalVariables } from '../../src/core/terminal-env';
import { Vault } from '../../src/core/vault';
import { isFault } from '../../src/core/faults';
import { defaultsOf, formsOf, MemorySecretStore, tempDir } from './helpers';
import { piRuntime } from './pi1';

type Model = { id: string; provider: string; baseUrl: string; headers?: Record<string, string> };
interface PiAi {
  getEnvApiKey(provider: string): string | undefined;
  getProviders(): string[];
  getModels(provider: string): Model[];
  stream(
    model: Model,
    context: unknown,
    options: { apiKey?: string; headers?: Record<string, string> },
  ): { result(): Promise<{ errorMessage?: string }> };
}
const piAi = async () => (await import('@earendil-works/pi-ai/compat')) as unknown as PiAi;

const KEY = 'key-0123456789abcdefghij';
const CONTEXT = { messages: [{ role: 'user', content: 'hi', timestamp: 0 }] };

/** Runs `fn` with `vars` as the process environment's values (the terminal's), restoring it after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const names = new Set([
    ...Object.keys(vars),
    ...PROVIDERS.flatMap((p) => p.envVars),
    'ANTHROPIC_OAUTH_TOKEN',
    'CLOUDFLARE_ACCOUNT_ID',
    'CLOUDFLARE_GATEWAY_ID',
    'AZURE_OPENAI_BASE_URL',
    'AZURE_OPENAI_RESOURCE_NAME',
    'AZURE_OPENAI_DEPLOYMENT_NAME_MAP',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'GOOGLE_CLOUD_PROJECT',
    'GOOGLE_APPLICATION_CREDENTIALS',
  ]);
  const saved = new Map([...names].map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [n, v] of saved)
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
  }
}

/** What pi would send for one chat turn: its requests, captured at fetch and answered 400. */
async function piRequests(model: Model, apiKey: string | undefined, headers?: Record<string, string>) {
  const { stream } = await piAi();
  const seen: { url: string; headers: Headers; body: Record<string, unknown> }[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body ?? '{}')) });
    return new Response(JSON.stringify({ error: { message: 'captured' } }), {
      status: 400,
      headers: { 'content-type': 'application/json' },
    });
  };
  try {
    const result = await stream(model, CONTEXT, { apiKey, ...(headers ? { headers } : {}) }).result();
    return { seen, error: result.errorMessage };
  } finally {
    globalThis.fetch = real;
  }
}

/** Like piRequests, through pi 1.x's ModelRuntime: its auth resolution (here the environment) included. */
async function piRuntimeRequests(model: Model, authPath: string) {
  const runtime = (await piRuntime(authPath)) as unknown as {
    getModel(p: string, id: string): Model;
    streamSimple(m: Model, c: unknown): { result(): Promise<{ errorMessage?: string }> };
  };
  const seen: { url: string }[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (url: string | URL | Request) => {
    seen.push({ url: String(url) });
    return new Response('{}', { status: 400, headers: { 'content-type': 'application/json' } });
  };
  try {
    const result = await runtime.streamSimple(runtime.getModel(model.provider, model.id), CONTEXT).result();
    return { seen, error: result.errorMessage };
  } finally {
    globalThis.fetch = real;
  }
}

async function vaultWith(accounts: [string, string, Parameters<Vault['add']>[2]][]) {
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  for (const [p, name, c] of accounts) await vault.add(p, name, c);
  return { vault, store };
}

const asEnv = (vars: ReturnType<typeof terminalVariables>) =>
  Object.fromEntries(vars.map((v) => [v.variable, v.value]));

describe("pi reads what we export (pi 1.6's own code)", function () {
  this.timeout(30_000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it("API keys: pi's getEnvApiKey finds each provider's key in the variables a terminal gets", async () => {
    const { getEnvApiKey, getProviders } = await piAi();
    const shared = new Set(Object.values(sharedVariables()).flatMap((ids) => ids.slice(1)));
    // The providers pi 0.73.1 knows (pi-ai 1.x's are checked in directory.test.ts).
    const known = new Set<string>(getProviders());
    const keyed = PROVIDERS.filter((p) => p.signIn.includes('apiKey') && !shared.has(p.id) && known.has(p.id));
    const { vault } = await vaultWith(keyed.map((p) => [p.id, 'default', { type: 'api_key', key: `${KEY}-${p.id}` }]));
    const env = asEnv(terminalVariables(vault, defaultsOf(vault)));
    // Bedrock's key is read by the AWS SDK itself; pi only reports that it is there.
    const found = (id: string) =>
      getEnvApiKey(id) === `${KEY}-${id}` ||
      (id === 'amazon-bedrock' &&
        getEnvApiKey(id) === '<authenticated>' &&
        process.env.AWS_BEARER_TOKEN_BEDROCK === `${KEY}-${id}`);
    const missed = await withEnv(env, async () => keyed.filter((p) => !found(p.id)).map((p) => p.id));
    assert.deepEqual(missed, []);
    console.log(`      pi resolved ${keyed.length}/${keyed.length} providers' keys from the exported variables`);
  });

  it('shared variables: the provider the person chose gets MOONSHOT_API_KEY / OPENCODE_API_KEY / CLOUDFLARE_API_KEY, with all its values', async () => {
    const { getEnvApiKey } = await piAi();
    const { vault } = await vaultWith([
      ['moonshotai', 'intl', { type: 'api_key', key: `${KEY}-intl` }],
      ['moonshotai-cn', 'cn', { type: 'api_key', key: `${KEY}-cn` }],
      [
        'cloudflare-workers-ai',
        'w',
        { type: 'api_key', key: `${KEY}-w`, env: { CLOUDFLARE_ACCOUNT_ID: 'a'.repeat(32) } },
      ],
      [
        'cloudflare-ai-gateway',
        'g',
        {
          type: 'api_key',
          key: `${KEY}-g`,
          env: { CLOUDFLARE_ACCOUNT_ID: 'b'.repeat(32), CLOUDFLARE_GATEWAY_ID: 'gw' },
        },
      ],
    ]);
    assert.deepEqual(sharedVariables(), {
      MOONSHOT_API_KEY: ['moonshotai', 'moonshotai-cn'],
      OPENCODE_API_KEY: ['opencode', 'opencode-go'],
      CLOUDFLARE_API_KEY: ['cloudflare-workers-ai', 'cloudflare-ai-gateway'],
      QWEN_TOKEN_PLAN_API_KEY: ['qwen-token-plan', 'qwen-token-plan-individual'],
      QWEN_TOKEN_PLAN_CN_API_KEY: ['qwen-token-plan-cn', 'qwen-token-plan-individual-cn'],
    });
    const byDefault = terminalVariables(vault, defaultsOf(vault));
    assert.equal(
      byDefault.find((v) => v.variable === 'MOONSHOT_API_KEY')?.provider,
      'moonshotai',
      'unset: the first listed',
    );
    const chosen = terminalVariables(vault, defaultsOf(vault), {
      MOONSHOT_API_KEY: 'moonshotai-cn',
      CLOUDFLARE_API_KEY: 'cloudflare-ai-gateway',
    });
    const env = asEnv(chosen);
    assert.equal(chosen.find((v) => v.variable === 'MOONSHOT_API_KEY')?.account, 'cn');
    assert.equal(env.CLOUDFLARE_ACCOUNT_ID, 'b'.repeat(32), "the gateway's account id beside the gateway's key");
    await withEnv(env, async () => {
      assert.equal(getEnvApiKey('moonshotai-cn'), `${KEY}-cn`);
      assert.equal(getEnvApiKey('cloudflare-ai-gateway'), `${KEY}-g`);
    });
  });

  it("Azure: the deployment map in pi's model=deployment form; pi sends the deployment (JSON stored by older versions too)", async () => {
    const { getModels } = await piAi();
    const model = getModels('azure')[0];
    const form = formsOf('azure')[0];
    const fresh = credentialFromForm(form, {
      AZURE_OPENAI_API_KEY: KEY,
      AZURE_OPENAI_RESOURCE_NAME: 'https://res.openai.azure.com/openai/v1',
      AZURE_OPENAI_DEPLOYMENT_NAME_MAP: `${model.id}=prod-dep, other=x`,
    });
    const old = {
      type: 'api_key' as const,
      key: KEY,
      env: {
        AZURE_OPENAI_BASE_URL: 'https://res.openai.azure.com/openai/v1',
        AZURE_OPENAI_DEPLOYMENT_NAME_MAP: JSON.stringify({ [model.id]: 'prod-dep' }),
      },
    };
    for (const credential of [fresh, old]) {
      const { vault } = await vaultWith([['azure', 'default', credential]]);
      const env = asEnv(terminalVariables(vault, defaultsOf(vault)));
      assert.match(env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP, new RegExp(`^${model.id.replace(/\./g, '\\.')}=prod-dep`));
      const { seen } = await withEnv(env, () => piRequests(model, KEY));
      assert.equal(seen[0].body.model, 'prod-dep', 'pi maps the model to the deployment');
      assert.match(seen[0].url, /^https:\/\/res\.openai\.azure\.com\/openai\/v1\//);
    }
  });

  it('Cloudflare AI Gateway: the sign-in asks for the account and gateway ids, and pi builds its gateway URL from them', async () => {
    const { getModels } = await piAi();
    const model = getModels('cloudflare-ai-gateway')[0];
    const account = 'c'.repeat(32);
    const credential = credentialFromForm(formsOf('cloudflare-ai-gateway')[0], {
      CLOUDFLARE_API_KEY: KEY,
      CLOUDFLARE_ACCOUNT_ID: `https://dash.cloudflare.com/${account}/ai/ai-gateway`,
      CLOUDFLARE_GATEWAY_ID: 'my-gateway',
    });
    const { vault } = await vaultWith([['cloudflare-ai-gateway', 'default', credential]]);
    const env = asEnv(terminalVariables(vault, defaultsOf(vault)));
    assert.deepEqual(Object.keys(env).sort(), ['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_GATEWAY_ID']);
    const authPath = join(t.dir, 'none.json');
    const without = await withEnv({ CLOUDFLARE_API_KEY: KEY }, () => piRuntimeRequests(model, authPath));
    assert.deepEqual([without.seen.length, !!without.error], [0, true], 'pi refuses the provider without them');
    const { seen } = await withEnv(env, () => piRuntimeRequests(model, authPath));
    assert.ok(seen[0].url.startsWith(`https://gateway.ai.cloudflare.com/v1/${account}/my-gateway/`), seen[0].url);
  });

  it('a Claude subscription token stored as an API key: terminals get ANTHROPIC_OAUTH_TOKEN, auth.json keeps it, and pi sends it as a subscription', async () => {
    const { getModels, getEnvApiKey } = await piAi();
    const token = 'sk-ant-oat01-subscription-0123456789';
    const { vault, store } = await vaultWith([['anthropic', 'imported', { type: 'api_key', key: token }]]);
    const env = asEnv(terminalVariables(vault, defaultsOf(vault)));
    assert.deepEqual(env, { ANTHROPIC_OAUTH_TOKEN: token });
    assert.equal(await withEnv(env, async () => getEnvApiKey('anthropic')), token);
    const authPath = join(t.dir, 'auth.json');
    await new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => authPath,
      () => undefined,
      defaultsOf(vault),
    ).sync();
    const fromFile = (await (await piRuntime(authPath)).getAuth('anthropic'))?.auth.apiKey;
    assert.equal(fromFile, token);
    const model = getModels('anthropic').find((m) => m.id.startsWith('claude-sonnet-4-5'))!;
    const { seen } = await withEnv({}, () => piRequests(model, fromFile));
    const h = seen[0].headers;
    assert.equal(h.get('authorization'), `Bearer ${token}`);
    assert.equal(h.get('x-api-key'), null);
    assert.match(h.get('anthropic-beta') ?? '', /oauth-2025-04-20/);
    assert.match(JSON.stringify(seen[0].body.system), /Claude Code/);
  });

  it('a variable pi reads before the exported one (ANTHROPIC_AUTH_TOKEN, then ANTHROPIC_OAUTH_TOKEN) set where terminals inherit it is cleared there, so pi uses the account in use', async () => {
    const inherited = { ANTHROPIC_AUTH_TOKEN: 'gateway-token-0123456789', ANTHROPIC_OAUTH_TOKEN: 'sk-ant-oat01-other' };
    // No auth.json entry: pi 1.6 takes Anthropic's credential from the terminal's variables alone.
    const authPath = join(t.dir, 'none', 'auth.json');
    const seen = async (key: string) => {
      const { vault } = await vaultWith([['anthropic', 'work', { type: 'api_key', key }]]);
      const vars = terminalVariables(vault, defaultsOf(vault), {}, undefined, inherited);
      const env = { ...inherited, ...asEnv(vars) };
      const got = await withEnv(env, async () => (await piRuntime(authPath)).getAuth('anthropic'));
      return { vars: asEnv(vars), key: got?.auth.apiKey, bearer: got?.auth.headers?.Authorization, from: got?.source };
    };
    assert.deepEqual(await seen(KEY), {
      vars: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_AUTH_TOKEN: '', ANTHROPIC_OAUTH_TOKEN: '' },
      key: KEY,
      bearer: undefined,
      from: 'ANTHROPIC_API_KEY',
    });
    const token = 'sk-ant-oat01-subscription-0123456789';
    assert.deepEqual(await seen(token), {
      vars: { ANTHROPIC_OAUTH_TOKEN: token, ANTHROPIC_AUTH_TOKEN: '' },
      key: token,
      bearer: undefined,
      from: 'ANTHROPIC_OAUTH_TOKEN',
    });
    // Nothing inherited: nothing cleared.
    const { vault } = await vaultWith([['anthropic', 'work', { type: 'api_key', key: KEY }]]);
    assert.deepEqual(asEnv(terminalVariables(vault, defaultsOf(vault))), { ANTHROPIC_API_KEY: KEY });
  });

  it("base URL and headers: written to pi's models.json, which pi's ModelRegistry loads; foreign content kept, ours removed when cleared", async () => {
    const { getModels } = await piAi();
    const authPath = join(t.dir, 'auth.json');
    const modelsPath = join(t.dir, 'models.json');
    writeFileSync(
      modelsPath,
      JSON.stringify({
        providers: {
          openai: { baseUrl: 'https://proxy.example.com/v1' },
          anthropic: { modelOverrides: { 'claude-sonnet-4-5': { name: 'Mine' } } },
        },
      }),
    );
    const { vault, store } = await vaultWith([
      ['anthropic', 'work', { type: 'api_key', key: `${KEY}-a` }],
      ['openai', 'work', { type: 'api_key', key: `${KEY}-o` }],
    ]);
    await vault.setRequest('anthropic', 'work', {
      baseUrl: 'https://gw.example.com/anthropic',
      headers: { 'X-Team': 'blue', 'X-Cmd': '!echo no' },
    });
    await vault.setRequest('openai', 'work', { baseUrl: 'https://ours.example.com/v1' });
    const models = new ModelsMirror(vault, store, () => modelsPath, defaultsOf(vault));
    const r = await models.sync();
    assert.deepEqual(r.owned, ['anthropic']);
    assert.deepEqual(r.conflicts, ['openai'], "someone else's openai baseUrl is left as it is");

    // pi resolves a model's headers with its credential: the account's key in auth.json.
    writeFileSync(authPath, JSON.stringify({ anthropic: { type: 'api_key', key: `${KEY}-a` } }));
    const registry = await piRuntime(authPath, modelsPath);
    assert.equal(registry.getError(), undefined);
    const id = getModels('anthropic').find((m) => m.id.startsWith('claude-sonnet-4-5'))!.id;
    const model = registry.getModel('anthropic', id)!;
    assert.equal(model.baseUrl, 'https://gw.example.com/anthropic');
    const auth = await registry.getAuth(model);
    assert.equal(auth?.auth.headers?.['X-Team'], 'blue');
    assert.equal(auth?.auth.headers?.['X-Cmd'], '!echo no', 'written as "$!echo no": pi reads it literally');
    assert.equal(registry.getModel('openai', getModels('openai')[0].id)!.baseUrl, 'https://proxy.example.com/v1');

    await vault.setRequest('anthropic', 'work', undefined);
    await models.sync();
    assert.deepEqual(JSON.parse(readFileSync(modelsPath, 'utf8')), {
      providers: {
        openai: { baseUrl: 'https://proxy.example.com/v1' },
        anthropic: { modelOverrides: { 'claude-sonnet-4-5': { name: 'Mine' } } },
      },
    });
    assert.equal((await piRuntime(authPath, modelsPath)).getError(), undefined);

    // A models.json with comments (pi reads it; we could not keep them) is never written.
    const commented = '// mine\n{ "providers": {} }\n';
    writeFileSync(modelsPath, commented);
    await vault.setRequest('anthropic', 'work', { baseUrl: 'https://gw.example.com/anthropic' });
    await assert.rejects(models.sync(), (e) => isFault(e, 'mirror-corrupt') && /models\.json/.test(e.message));
    assert.equal(readFileSync(modelsPath, 'utf8'), commented);
  });
});
