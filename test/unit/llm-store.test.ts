import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthCredential } from '../../src/core/credentials';
import type { StreamEvent } from '../../src/core/llm/chat';
import { ModelBridge } from '../../src/core/llm/model-bridge';
import * as models from '../../src/core/llm/models';
import { feedbackInto } from '../../src/core/outlet';
import { Rotation } from '../../src/core/rotation/rotation';
import { anthropicTokenServer } from './emulator';
import { MemorySecretStore, tempDir } from './helpers';
import { emulators, type Emulator } from './llm-harness';
import { openWindow, quiet } from './window';

const collect = async (gen: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
};
const textOf = (evs: StreamEvent[]) => evs.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
const ask = {
  model: 'claude-sonnet-4-5',
  maxTokens: 1000,
  messages: [{ role: 'user' as const, parts: [{ type: 'text' as const, text: 'Weather in Oslo?' }] }],
};
const expired = (refresh: string, access: string): OAuthCredential => ({
  type: 'oauth',
  refresh,
  access,
  expires: Date.now() - 1000,
});

describe("language-model requests through pi-ai's Models with the vault as its CredentialStore", function () {
  this.timeout(60_000);
  let em: Emulator;
  let server: Awaited<ReturnType<typeof anthropicTokenServer>>;
  let t: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    em = await (await emulators()).startModelEmulator();
    server = await anthropicTokenServer();
    t = tempDir();
  });
  afterEach(async () => {
    await em.close();
    await server.close();
    t.cleanup();
  });

  /** One window (vault, mirror to auth.json, resolver, Anthropic's refresh routed to the emulator) and its bridge. */
  async function window() {
    const store = new MemorySecretStore();
    const w = await openWindow(store, t.dir, server.tokenUrl, { retry: { baseMs: 1 } });
    const rotation = new Rotation({
      vault: w.vault,
      settings: { mode: () => 'manual', threshold: () => 80 },
      usage: () => undefined,
      store,
      log: quiet,
    });
    await rotation.load();
    const served: string[] = [];
    // Counts pi-ai's writes through the store: the refresh happened there, not in our resolver.
    const through = { modify: 0 };
    const storeOf = w.resolver.credentialStore.bind(w.resolver);
    w.resolver.credentialStore = (p, a) => {
      const s = storeOf(p, a);
      return { ...s, modify: (id, fn, o) => (through.modify++, s.modify(id, fn, o)) };
    };
    const bridge = new ModelBridge({
      vault: w.vault,
      resolver: w.resolver,
      rotation,
      feedback: feedbackInto({ vault: w.vault, rotation, usageSeen: () => undefined }),
      log: { ...quiet, info: (m) => void served.push(m) },
      load: async () => models,
      testRoute: () => em.base,
      // Sign-ins serve other extensions only once the person turned them on (the setting).
      subscriptionModels: () => true,
    });
    return { ...w, rotation, bridge, served, through };
  }

  it('an expired sign-in: 40 requests at once → 1 refresh inside the store, every request carries the new token', async () => {
    const w = await window();
    await w.vault.add('anthropic', 'max', expired('rt-0', 'sk-ant-oat01-access-0'));
    await w.vault.add('anthropic', 'team', { type: 'api_key', key: 'sk-ant-api03-team-0123456789abc' });
    await w.mirror.sync();
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, () => collect(w.bridge.chat('anthropic', ask))));
    const ms = Date.now() - started;
    assert.equal(server.stats.refreshes, 1, 'the refresh token was spent once');
    assert.equal(server.stats.reused, 0);
    assert.ok(w.through.modify >= 1, "pi-ai refreshed through the store's modify");
    assert.ok(answers.every((a) => textOf(a) === 'Checking the weather in Oslo — °C?'));
    const stored = w.vault.credential('anthropic', 'max') as OAuthCredential;
    assert.equal(stored.refresh, 'rt-1');
    assert.equal(stored.access, 'sk-ant-oat01-access-1');
    assert.deepEqual(new Set(em.seen.map((s) => s.headers.authorization)), new Set(['Bearer sk-ant-oat01-access-1']));
    // The account in use is the one pi reads: the refreshed tokens reached auth.json under pi's lock.
    assert.deepEqual(JSON.parse(readFileSync(join(t.dir, 'auth.json'), 'utf8')).anthropic, stored);
    assert.equal(w.vault.credential('anthropic', 'team')?.type, 'api_key', 'the other account is untouched');
    console.log(`      40 requests, 1 refresh, ${em.seen.length} model requests in ${ms} ms`);
  });

  it('the store presents the account the request names, not only the one in use: a second sign-in refreshes on its own', async () => {
    const w = await window();
    await w.vault.add('anthropic', 'first', { type: 'api_key', key: 'sk-ant-api03-first-0123456789abc' });
    await w.vault.add('anthropic', 'second', expired('rt-second', 'sk-ant-oat01-old-second'));
    await w.mirror.sync();
    const before = readFileSync(join(t.dir, 'auth.json'), 'utf8');
    em.answer('sk-ant-api03-first-0123456789abc', 429, {
      headers: { 'retry-after': '30' },
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } },
    });
    assert.equal(textOf(await collect(w.bridge.chat('anthropic', ask))), 'Checking the weather in Oslo — °C?');
    assert.match(w.served.join('\n'), /served by anthropic\/second/);
    assert.equal(server.stats.refreshes, 1);
    const second = w.vault.credential('anthropic', 'second') as OAuthCredential;
    assert.equal(second.refresh, 'rt-1');
    assert.equal(em.seen.at(-1)?.headers.authorization, `Bearer ${second.access}`);
    assert.equal(w.vault.credential('anthropic', 'first')?.type, 'api_key');
    // Not the account pi uses: refreshed under the private lock, auth.json left alone.
    assert.equal(readFileSync(join(t.dir, 'auth.json'), 'utf8'), before);
  });

  it('a refused refresh (invalid_grant) marks the sign-in for a new sign-in, keeps it, and the next account serves', async () => {
    const w = await window();
    await w.vault.add('anthropic', 'spent', expired('rt-spent', 'sk-ant-oat01-spent'));
    await w.vault.add('anthropic', 'spare', { type: 'api_key', key: 'sk-ant-api03-spare-0123456789abc' });
    await w.mirror.sync();
    assert.equal(textOf(await collect(w.bridge.chat('anthropic', ask))), 'Checking the weather in Oslo — °C?');
    assert.equal(server.stats.reused, 1, 'the token server refused the spent refresh token');
    const spent = w.vault.accounts('anthropic').find((a) => a.name === 'spent');
    assert.equal(spent?.needsSignIn, true);
    assert.equal((w.vault.credential('anthropic', 'spent') as OAuthCredential).refresh, 'rt-spent', 'kept');
    assert.deepEqual(
      em.seen.map((s) => s.headers['x-api-key'] ?? s.headers.authorization),
      ['sk-ant-api03-spare-0123456789abc'],
      'no request went out with the spent sign-in',
    );
  });
});
