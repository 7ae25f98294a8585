import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthCredential } from '../../src/core/credentials';
import { isFault } from '../../src/core/faults';
import { KeepFresh } from '../../src/core/keep-fresh';
import { anthropicTokenServer } from './emulator';
import { defaultsOf, MemorySecretStore, tempDir, until } from './helpers';
import { openWindow, quiet } from './window';

const expired = (refresh = 'rt-0'): OAuthCredential => ({
  type: 'oauth',
  refresh,
  access: 'sk-ant-oat01-access-0',
  expires: Date.now() - 1000,
});

const window = (store: MemorySecretStore, dir: string, tokenUrl: string) =>
  openWindow(store, dir, tokenUrl, { retry: { baseMs: 1 } });

describe('key resolver: refresh before use, once, under the lock, never losing an account', function () {
  this.timeout(30_000);
  let t: ReturnType<typeof tempDir>;
  let server: Awaited<ReturnType<typeof anthropicTokenServer>>;
  const authJson = () => JSON.parse(readFileSync(join(t.dir, 'auth.json'), 'utf8'));

  beforeEach(async () => {
    t = tempDir();
    server = await anthropicTokenServer();
  });
  afterEach(async () => {
    await server.close();
    t.cleanup();
  });

  it('a fresh key is handed out from the index: the same settled answer each time, a new one after a change', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', {
      type: 'oauth',
      refresh: 'rt-0',
      access: 'sk-ant-oat01-access-0',
      expires: Date.now() + 3_600_000,
    });
    const first = w.resolver.key('anthropic');
    assert.equal(w.resolver.key('anthropic'), first, 'no new promise per lookup');
    assert.equal(await first, 'sk-ant-oat01-access-0');
    await w.vault.updateCredential('anthropic', 'max', {
      type: 'oauth',
      refresh: 'rt-9',
      access: 'sk-ant-oat01-access-9',
      expires: Date.now() + 3_600_000,
    });
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-access-9');
    await w.vault.markNeedsSignIn('anthropic', 'max');
    await assert.rejects(w.resolver.key('anthropic'), (e) => isFault(e, 'needs-sign-in'));
    assert.equal(server.seen.length, 0);
  });

  it('1,000 concurrent key requests on an expired token make exactly 1 refresh request', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await w.mirror.sync();
    const keys = await Promise.all(Array.from({ length: 1000 }, () => w.resolver.key('anthropic')));
    assert.equal(server.stats.refreshes, 1);
    assert.equal(server.seen.length, 1, 'one request reached the token endpoint');
    assert.deepEqual(new Set(keys), new Set(['sk-ant-oat01-access-1']));
    const stored = w.vault.credential('anthropic', 'max') as OAuthCredential;
    assert.equal(stored.refresh, 'rt-1', 'the rotated refresh token is stored');
    assert.deepEqual(authJson().anthropic, stored, "auth.json carries the new tokens in pi's format");
    console.log(`      1000 concurrent requests → ${server.seen.length} refresh request`);
  });

  it('hands out a token with more than 5 minutes left as it is, and refreshes one with less', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', { ...expired(), expires: Date.now() + 10 * 60_000 });
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-access-0');
    assert.equal(server.seen.length, 0);
    await w.vault.updateCredential('anthropic', 'max', { ...expired(), expires: Date.now() + 4 * 60_000 });
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-access-1');
  });

  it('two windows refreshing the same account at once spend its refresh token once', async () => {
    const store = new MemorySecretStore();
    const a = await window(store, t.dir, server.tokenUrl);
    await a.vault.add('anthropic', 'max', expired());
    await a.vault.add('anthropic', 'second', expired('rt-second')); // not mirrored: the private lock
    await a.mirror.sync();
    const b = await window(store.sibling(), t.dir, server.tokenUrl);
    const all = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).resolver.key('anthropic')),
      ...Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).resolver.key('anthropic', 'second')),
    ]);
    assert.equal(server.stats.reused, 0, 'no refresh token was spent twice');
    assert.equal(server.stats.refreshes, 2, 'one refresh per account');
    assert.equal(new Set(all.slice(0, 50)).size, 1);
    assert.equal(new Set(all.slice(50)).size, 1);
  });

  it('adopts the tokens pi refreshed in auth.json instead of spending the old refresh token', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await w.mirror.sync();
    const pis = {
      type: 'oauth',
      refresh: 'rt-from-pi',
      access: 'sk-ant-oat01-from-pi',
      expires: Date.now() + 3_600_000,
    };
    writeFileSync(join(t.dir, 'auth.json'), JSON.stringify({ ...authJson(), anthropic: pis }, null, 2));
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-from-pi');
    assert.equal(server.seen.length, 0, 'no refresh request');
    assert.deepEqual(w.vault.credential('anthropic', 'max'), pis);
    const report = await w.mirror.sync();
    assert.deepEqual(report.conflicts, [], 'the adopted entry is ours again, not a conflict');
  });

  it('the mirror adopts what pi refreshed too, instead of writing the older tokens back', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await w.mirror.sync();
    const pis = {
      type: 'oauth',
      refresh: 'rt-from-pi',
      access: 'sk-ant-oat01-from-pi',
      expires: Date.now() + 3_600_000,
    };
    writeFileSync(join(t.dir, 'auth.json'), JSON.stringify({ anthropic: pis }, null, 2));
    const report = await w.mirror.sync();
    assert.deepEqual(report.adopted, ['anthropic/max']);
    assert.deepEqual(authJson().anthropic, pis);
    assert.deepEqual(w.vault.credential('anthropic', 'max'), pis);
  });

  it('invalid_grant marks the account "needs sign-in" and keeps it, in the vault and in auth.json', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired('rt-revoked'));
    await w.mirror.sync();
    const before = authJson();
    await assert.rejects(
      w.resolver.key('anthropic'),
      (e) => isFault(e, 'needs-sign-in') && e.details.account === 'max' && !e.message.includes('rt-revoked'),
    );
    const info = w.vault.accounts('anthropic')[0];
    assert.equal(info.needsSignIn, true);
    assert.equal((w.vault.credential('anthropic', 'max') as OAuthCredential).refresh, 'rt-revoked', 'nothing deleted');
    assert.deepEqual(authJson(), before);
    const requests = server.seen.length;
    await assert.rejects(w.resolver.key('anthropic'), (e) => isFault(e, 'needs-sign-in'));
    assert.equal(server.seen.length, requests, 'a refused token is not tried again');
    await w.vault.updateCredential('anthropic', 'max', expired());
    assert.equal(w.vault.accounts('anthropic')[0].needsSignIn, false, 'signing in again clears it');
  });

  it('retries 5xx with backoff, then surfaces a typed fault and keeps the old tokens', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    server.stats.failures.push(500, 502);
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-access-1');
    assert.equal(server.seen.length, 3, 'two failures, then success');
    await w.vault.updateCredential('anthropic', 'max', expired('rt-1'));
    server.stats.failures.push(500, 503, 500);
    await assert.rejects(w.resolver.key('anthropic'), (e) => isFault(e, 'network'));
    assert.equal(w.vault.accounts('anthropic')[0].needsSignIn, false, 'a server outage is not a revoked sign-in');
    assert.equal((w.vault.credential('anthropic', 'max') as OAuthCredential).refresh, 'rt-1');
    assert.equal(await w.resolver.key('anthropic'), 'sk-ant-oat01-access-2', 'works once the server is back');
  });

  it('an unreachable token endpoint is a network fault after the retries, account untouched', async () => {
    await server.close();
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', expired());
    await assert.rejects(w.resolver.key('anthropic'), (e) => isFault(e, 'network') && /127\.0\.0\.1/.test(e.message));
    assert.equal(w.vault.accounts('anthropic').length, 1);
    server = await anthropicTokenServer(); // for afterEach
  });

  it('keeps the default account fresh in the background, once the 5-minute margin is reached', async () => {
    const w = await window(new MemorySecretStore(), t.dir, server.tokenUrl);
    await w.vault.add('anthropic', 'max', { ...expired(), expires: Date.now() + 5 * 60_000 + 200 });
    await w.vault.add('anthropic', 'other', { ...expired('rt-second'), expires: Date.now() + 5 * 60_000 + 200 });
    const keep = new KeepFresh(w.vault, w.resolver, quiet, { active: defaultsOf(w.vault), minDelayMs: 0 });
    const sub = w.vault.onDidChange(() => keep.sync());
    keep.sync();
    // Due a second past the margin; the other account, due at the same moment, would be refreshed by now too.
    await until(() => server.stats.refreshes > 0);
    await new Promise((r) => setTimeout(r, 300));
    keep.dispose();
    sub.dispose();
    assert.equal(server.stats.refreshes, 1, 'only the default account (what terminals and auth.json carry)');
    assert.equal((w.vault.credential('anthropic', 'max') as OAuthCredential).refresh, 'rt-1');
    assert.equal(authJson().anthropic.refresh, 'rt-1');
  });
});
