import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanEnvironment } from '../../src/core/env-import';
import { isFault } from '../../src/core/faults';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { parseHeaders, requireRequestSettings } from '../../src/core/request-settings';
import { deploymentMap } from '../../src/core/providers/azure-openai';
import { cloudflareAccountId, cloudflareBaseUrl } from '../../src/core/providers/cloudflare';
import { credentialFromForm } from '../../src/core/providers/forms';
import { terminalVariables } from '../../src/core/terminal-env';
import { Vault } from '../../src/core/vault';
import { defaultsOf, formsOf, MemorySecretStore, tempDir } from './helpers';

const CF = '0123456789abcdef0123456789abcdef';
const KEY = 'key-0123456789abcdefghijklmnop';

describe('providers with several values, request settings, import from the environment', () => {
  it('validation tables: Cloudflare account, Azure deployments, base URLs, headers', () => {
    const cf: [string, string | undefined][] = [
      [CF, CF],
      [CF.toUpperCase(), CF],
      [`https://dash.cloudflare.com/${CF}/ai/workers-ai`, CF],
      [cloudflareBaseUrl(CF), CF],
      ['https://dash.cloudflare.com/', undefined],
      ['0123', undefined],
    ];
    for (const [input, want] of cf) assert.equal(cloudflareAccountId(input), want, input);
    assert.equal(cloudflareBaseUrl(CF), `https://api.cloudflare.com/client/v4/accounts/${CF}/ai/v1`);
    assert.equal(deploymentMap('gpt-5=my-gpt5, gpt-4.1 = prod-41'), 'gpt-5=my-gpt5,gpt-4.1=prod-41');
    assert.equal(deploymentMap('{"a":"b"}'), 'a=b', "JSON becomes pi's form");
    for (const bad of ['a=', '=b', 'nonsense', '{"a":1}']) assert.equal(deploymentMap(bad), undefined, bad);
    assert.deepEqual(parseHeaders('X-Team: core; X-Trace: on'), { headers: { 'X-Team': 'core', 'X-Trace': 'on' } });
    for (const bad of ['Authorization: Bearer x', 'Bad Header: x', 'X-Empty:', 'no colon'])
      assert.ok('problem' in parseHeaders(bad), bad);
    assert.deepEqual(requireRequestSettings(' https://gw.example.com/v1 ', 'X-Team: core'), {
      baseUrl: 'https://gw.example.com/v1',
      headers: { 'X-Team': 'core' },
    });
    assert.equal(requireRequestSettings('', ''), undefined);
    for (const bad of ['http://gw.example.com', 'gw.example.com', 'javascript:alert(1)'])
      assert.throws(
        () => requireRequestSettings(bad, ''),
        (e) => isFault(e, 'invalid-account'),
        bad,
      );
  });

  it('forms: exactly the values each needs, checked, stored as a key with values or as values only', () => {
    const [bearer, profile, pair] = formsOf('amazon-bedrock');
    assert.deepEqual(credentialFromForm(profile, { AWS_PROFILE: 'work', AWS_REGION: 'eu-west-1' }), {
      type: 'env',
      vars: { AWS_PROFILE: 'work', AWS_REGION: 'eu-west-1' },
    });
    assert.deepEqual(credentialFromForm(bearer, { AWS_BEARER_TOKEN_BEDROCK: KEY, AWS_REGION: 'us-east-1' }), {
      type: 'api_key',
      key: KEY,
      env: { AWS_REGION: 'us-east-1' },
    });
    assert.throws(
      () => credentialFromForm(pair, { AWS_ACCESS_KEY_ID: 'nope', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'mars' }),
      (e) =>
        isFault(e, 'invalid-key') &&
        /Access key id/.test(e.message) &&
        /region/.test(e.message) &&
        !e.message.includes('nope'),
    );
    const azure = formsOf('azure')[0];
    assert.deepEqual(
      credentialFromForm(azure, {
        AZURE_OPENAI_API_KEY: KEY,
        AZURE_OPENAI_RESOURCE_NAME: 'https://res.openai.azure.com/openai/v1',
        AZURE_OPENAI_API_VERSION: '',
        AZURE_OPENAI_DEPLOYMENT_NAME_MAP: 'gpt-5=dep',
      }),
      {
        type: 'api_key',
        key: KEY,
        env: {
          AZURE_OPENAI_BASE_URL: 'https://res.openai.azure.com/openai/v1',
          AZURE_OPENAI_DEPLOYMENT_NAME_MAP: 'gpt-5=dep',
        },
      },
    );
    const vertex = formsOf('google-vertex')[1];
    const file = vertex.fields[0];
    for (const path of ['/home/me/sa.json', 'C:\\keys\\sa.json', '']) assert.equal(file.check?.(path), undefined, path);
    assert.match(file.check?.('keys/sa.json') ?? '', /absolute path/);
    assert.deepEqual(
      credentialFromForm(vertex, {
        GOOGLE_APPLICATION_CREDENTIALS: '',
        GOOGLE_CLOUD_PROJECT: 'my-project-1',
        GOOGLE_CLOUD_LOCATION: 'global',
      }),
      { type: 'env', vars: { GOOGLE_CLOUD_PROJECT: 'my-project-1', GOOGLE_CLOUD_LOCATION: 'global' } },
    );
    assert.deepEqual(
      credentialFromForm(formsOf('cloudflare-workers-ai')[0], {
        CLOUDFLARE_API_KEY: KEY,
        CLOUDFLARE_ACCOUNT_ID: `https://dash.cloudflare.com/${CF}/home`,
      }),
      { type: 'api_key', key: KEY, env: { CLOUDFLARE_ACCOUNT_ID: CF } },
    );
  });

  it('terminals get every value and the base URL; auth.json gets only what pi reads there', async () => {
    const t = tempDir();
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('amazon-bedrock', 'work', { type: 'env', vars: { AWS_PROFILE: 'work', AWS_REGION: 'eu-west-1' } });
    await vault.add('cloudflare-workers-ai', 'cf', { type: 'api_key', key: KEY, env: { CLOUDFLARE_ACCOUNT_ID: CF } });
    await vault.add('anthropic', 'gw', { type: 'api_key', key: 'sk-ant-api03-gateway-0123456789abc' });
    await vault.setRequest('anthropic', 'gw', {
      baseUrl: 'https://gw.example.com',
      headers: { 'X-Team': 'secret-team-token' },
    });
    const vars = Object.fromEntries(terminalVariables(vault, defaultsOf(vault)).map((v) => [v.variable, v.value]));
    assert.deepEqual(vars, {
      ANTHROPIC_API_KEY: 'sk-ant-api03-gateway-0123456789abc',
      ANTHROPIC_BASE_URL: 'https://gw.example.com',
      AWS_PROFILE: 'work',
      AWS_REGION: 'eu-west-1',
      CLOUDFLARE_API_KEY: KEY,
      CLOUDFLARE_ACCOUNT_ID: CF,
    });
    const info = vault.accounts('anthropic')[0];
    assert.deepEqual([info.baseUrl, info.headerNames], ['https://gw.example.com', ['X-Team']]);
    assert.ok(vault.secrets().includes('secret-team-token'), 'header values are redacted like keys');
    const path = join(t.dir, 'auth.json');
    await new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    ).sync();
    // pi 1.x reads the other values from the credential's `env` (pi-interop.test.ts checks it).
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {
      anthropic: { type: 'api_key', key: 'sk-ant-api03-gateway-0123456789abc' },
      'amazon-bedrock': { type: 'api_key', env: { AWS_PROFILE: 'work', AWS_REGION: 'eu-west-1' } },
      'cloudflare-workers-ai': { type: 'api_key', key: KEY, env: { CLOUDFLARE_ACCOUNT_ID: CF } },
    });
    t.cleanup();
  });

  it("import from the environment: first variable in pi's order, values set alongside, shared variables once, placeholders and known keys skipped", async () => {
    const vault = new Vault(new MemorySecretStore());
    await vault.load();
    await vault.add('openai', 'have', { type: 'api_key', key: 'sk-proj-already-an-account-0123' });
    const vscodeEnv = {
      GROQ_API_KEY: 'gsk_fromvscode_0123456789abcdef',
      OPENAI_API_KEY: 'sk-proj-already-an-account-0123',
      MISTRAL_API_KEY: 'your-api-key-here-000000',
      PATH: '/usr/bin',
    };
    const shellEnv = {
      GROQ_API_KEY: 'gsk_fromshell_0123456789abcdef',
      MOONSHOT_API_KEY: 'sk-moonshot-0123456789abcdef',
      AZURE_OPENAI_API_KEY: KEY,
      AZURE_OPENAI_RESOURCE_NAME: 'my-res',
      CLOUDFLARE_API_KEY: KEY,
      CLOUDFLARE_ACCOUNT_ID: CF,
    };
    const scan = scanEnvironment(
      [
        { name: 'VS Code', env: vscodeEnv },
        { name: 'login shell', env: shellEnv },
      ],
      vault,
    );
    assert.deepEqual(
      scan.candidates.map((c) => [c.provider, c.variable, c.source]),
      [
        ['azure', 'AZURE_OPENAI_API_KEY', 'login shell'],
        ['groq', 'GROQ_API_KEY', 'VS Code'],
        ['moonshotai', 'MOONSHOT_API_KEY', 'login shell'],
        ['cloudflare-workers-ai', 'CLOUDFLARE_API_KEY', 'login shell'],
      ],
    );
    assert.deepEqual(scan.candidates[0].credential, {
      type: 'api_key',
      key: KEY,
      env: { AZURE_OPENAI_RESOURCE_NAME: 'my-res' },
    });
    assert.deepEqual(scan.candidates[3].credential, { type: 'api_key', key: KEY, env: { CLOUDFLARE_ACCOUNT_ID: CF } });
    assert.equal(scan.candidates[1].keyTail, '…cdef');
    assert.deepEqual(
      scan.skipped.map((s) => s.provider),
      ['mistral'],
    );
  });
});
