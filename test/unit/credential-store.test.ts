import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthCredential } from '../../src/core/credentials';
import { toPiCredential, vaultCredentialStore } from '../../src/core/credential-store';
import { anthropicTokenServer } from './emulator';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { openWindow } from './window';

const expired = (refresh = 'rt-0'): OAuthCredential => ({
  type: 'oauth',
  refresh,
  access: 'sk-ant-oat01-access-0',
  expires: Date.now() - 1000,
});

describe("the vault as pi-ai 1.x's CredentialStore (several accounts stay ours)", function () {
  this.timeout(60_000);
  let t: ReturnType<typeof tempDir>;
  let server: Awaited<ReturnType<typeof anthropicTokenServer>>;
  beforeEach(async () => {
    t = tempDir();
    server = await anthropicTokenServer();
  });
  afterEach(async () => {
    await server.close();
    t.cleanup();
  });

  it("pi-ai's Models refresh inside our modify, under our lock: 300 getAuth + 1,000 resolver keys → 1 refresh", async () => {
    const w = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl, { retry: { baseMs: 1 } });
    await w.vault.add('anthropic', 'max', expired());
    await w.vault.add('anthropic', 'old', { type: 'api_key', key: 'sk-ant-api03-notInUse-0123456789' });
    await w.mirror.sync();
    // pi-ai's own Models over all its built-in providers, unmodified, with the vault as its store.
    const { builtinModels } = await import('@earendil-works/pi-ai/providers/all');
    const credentials = vaultCredentialStore({
      vault: w.vault,
      inUse: { inUse: (p) => w.vault.account(p, 'max') },
      locked: w.locked,
      oauth: w.oauth,
    });
    const models = builtinModels({ credentials });
    const started = Date.now();
    const [auths, keys] = await Promise.all([
      Promise.all(Array.from({ length: 300 }, () => models.getAuth('anthropic'))),
      Promise.all(Array.from({ length: 1000 }, () => w.resolver.key('anthropic', 'max'))),
    ]);
    const ms = Date.now() - started;
    assert.equal(server.stats.refreshes, 1, 'pi-ai and the extension spent the refresh token once');
    const stored = w.vault.credential('anthropic', 'max') as OAuthCredential;
    assert.equal(stored.refresh, 'rt-1');
    assert.deepEqual(new Set(auths.map((a) => a?.auth.apiKey)), new Set([stored.access]));
    assert.deepEqual(new Set(keys), new Set([stored.access]));
    assert.deepEqual(JSON.parse(readFileSync(join(t.dir, 'auth.json'), 'utf8')).anthropic, stored);
    assert.equal(w.vault.credential('anthropic', 'old')?.type, 'api_key', 'the other account is untouched');
    console.log(`      300 pi-ai getAuth + 1000 resolver keys → ${server.stats.refreshes} refresh in ${ms} ms`);
  });

  it('presents the account in use (or the one named) in pi-ai 1.x shapes; existing accounts need no new sign-in', async () => {
    const w = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('cloudflare-workers-ai', 'cf', {
      type: 'api_key',
      key: 'cf-key-0123456789abcdefghij',
      env: { CLOUDFLARE_ACCOUNT_ID: 'a'.repeat(32) },
    });
    await w.vault.add('amazon-bedrock', 'profile', {
      type: 'env',
      vars: { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' },
    });
    await w.vault.add('anthropic', 'a', { type: 'api_key', key: 'sk-ant-api03-first-0123456789abc' });
    await w.vault.add('anthropic', 'b', { type: 'api_key', key: 'sk-ant-api03-second-0123456789ab' });
    const named = vaultCredentialStore({
      vault: w.vault,
      inUse: defaultsOf(w.vault),
      locked: w.locked,
      oauth: w.oauth,
      account: (p) => (p === 'anthropic' ? 'b' : undefined),
    });
    assert.deepEqual(await named.read('anthropic'), { type: 'api_key', key: 'sk-ant-api03-second-0123456789ab' });
    assert.deepEqual(await named.read('amazon-bedrock'), {
      type: 'api_key',
      env: { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' },
    });
    // pi-ai resolves the stored values as its own: Cloudflare's account id travels as `env`.
    const { builtinModels } = await import('@earendil-works/pi-ai/providers/all');
    const auth = await builtinModels({ credentials: named }).getAuth('cloudflare-workers-ai');
    assert.equal(auth?.auth.apiKey, 'cf-key-0123456789abcdefghij');
    assert.equal(auth?.env?.CLOUDFLARE_ACCOUNT_ID, 'a'.repeat(32));
    assert.deepEqual((await named.list()).map((i) => i.providerId).sort(), [
      'amazon-bedrock',
      'anthropic',
      'cloudflare-workers-ai',
    ]);
    assert.deepEqual(toPiCredential(expired('r')).type, 'oauth');
  });
});
