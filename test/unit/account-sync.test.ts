import assert from 'node:assert/strict';
import { AccountSync, readSynced, SYNC_KEY, type SyncedState } from '../../src/core/account-sync';
import { findProvider } from '../../src/core/providers/directory';
import { Vault } from '../../src/core/vault';
import { MemorySecretStore } from './helpers';

// Secrets with tails that cannot occur by chance in the synced JSON (times, names).
const KEY = 'sk-ant-api03-syncKEYmustNEVERleaveQxZw';
const ACCESS = 'sk-ant-oat01-ACCESStokenNEVERsyncedJkLm';
const REFRESH = 'sk-ant-ort01-REFRESHtokenSTAYSHEREPqRs';
const HEADER = 'Bearer gateway-HEADERvalueSECRETTuVw';
const ENV_SECRET = 'aws-SECRETaccessKEYnotSYNCEDxYzA';
const OPENAI = 'sk-proj-openaiKEYneverSYNCEDbCdE';

/** One machine: its own vault, and the globalState key that Settings Sync shares between machines. */
async function machine(shared: { value: unknown }, enabled = () => true, now?: () => number) {
  const vault = new Vault(new MemorySecretStore());
  await vault.load();
  const writes: unknown[] = [];
  const state: SyncedState = {
    get: () => shared.value,
    set: async (v) => {
      writes.push(v);
      shared.value = JSON.parse(JSON.stringify(v)); // what Settings Sync carries is JSON
    },
  };
  const logs: string[] = [];
  const sync = new AccountSync({
    vault,
    state,
    enabled,
    knownProvider: (id) => findProvider(id) !== undefined,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    now,
  });
  return { vault, sync, writes, logs };
}

async function laptop(shared: { value: unknown }) {
  const m = await machine(shared);
  await m.vault.add('anthropic', 'work', { type: 'api_key', key: KEY });
  await m.vault.add('anthropic', 'max', {
    type: 'oauth',
    access: ACCESS,
    refresh: REFRESH,
    expires: Date.now() + 3600_000,
  });
  await m.vault.add('openai', 'vault', { type: 'ref', ref: { tool: 'pass', entry: 'api/openai' } });
  await m.vault.setRequest('openai', 'vault', { baseUrl: 'https://gateway.example/v1' });
  await m.vault.add('openai', 'gateway', { type: 'api_key', key: OPENAI });
  await m.vault.setRequest('openai', 'gateway', {
    baseUrl: 'https://gw.example/v1',
    headers: { 'X-Gateway-Auth': HEADER },
  });
  await m.vault.add('amazon-bedrock', 'aws', {
    type: 'env',
    vars: { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEIDfGhI', AWS_SECRET_ACCESS_KEY: ENV_SECRET },
  });
  await m.sync.sync();
  return m;
}

const names = (list: readonly { provider: string; name: string }[]) =>
  list.map((a) => `${a.provider}/${a.name}`).sort();

describe('accounts that follow you (account sync)', () => {
  it('writes the account list for Settings Sync with no secret in it: no key, token, key tail, header value or secret variable', async () => {
    const shared = { value: undefined as unknown };
    const a = await laptop(shared);
    const text = JSON.stringify(shared.value);
    const secrets = a.vault.secrets();
    assert.ok(secrets.length >= 6, 'the vault holds the secrets the scan looks for');
    for (const s of [...secrets, KEY, ACCESS, REFRESH, HEADER, ENV_SECRET, OPENAI, 'AKIAEXAMPLEIDfGhI'])
      assert.ok(!text.includes(s), `the synced list contains a secret: ${s.slice(0, 8)}…`);
    for (const info of a.vault.accounts())
      if (info.keyTail.length > 1) assert.ok(!text.includes(info.keyTail.slice(1)), `key tail ${info.keyTail} synced`);
    const read = readSynced(shared.value);
    assert.equal(read.state, 'ok');
    if (read.state !== 'ok') return;
    assert.deepEqual(names(read.list.accounts), [
      'amazon-bedrock/aws',
      'anthropic/max',
      'anthropic/work',
      'openai/gateway',
      'openai/vault',
    ]);
    const gateway = read.list.accounts.find((x) => x.name === 'gateway')!;
    assert.deepEqual(gateway.headerNames, ['X-Gateway-Auth']); // the name, never the value
    assert.equal(gateway.baseUrl, 'https://gw.example/v1');
    const aws = read.list.accounts.find((x) => x.name === 'aws')!;
    assert.deepEqual(aws.env, { AWS_REGION: 'eu-west-1' });
    assert.equal(aws.secretEnv, true);
    assert.deepEqual(read.list.accounts.find((x) => x.name === 'vault')!.ref, { tool: 'pass', entry: 'api/openai' });
  });

  it('on a new machine, adds reference accounts at once and lists the others as "sign in on this machine"', async () => {
    const shared = { value: undefined as unknown };
    await laptop(shared);
    const b = await machine(shared);
    await b.sync.sync();
    const ref = b.vault.account('openai', 'vault');
    assert.equal(ref?.kind, 'ref');
    assert.deepEqual(ref.ref, { tool: 'pass', entry: 'api/openai' });
    assert.equal(ref.baseUrl, 'https://gateway.example/v1');
    assert.deepEqual(names(b.sync.pending()), [
      'amazon-bedrock/aws',
      'anthropic/max',
      'anthropic/work',
      'openai/gateway',
    ]);
    // Nothing of a token came over: the new machine holds no secret of the laptop's.
    assert.deepEqual(b.vault.secrets(), []);
    // Signing in here under the synced name ends the row.
    await b.vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-secondMACHINEkeyAAAAAAAA' });
    await b.sync.sync();
    assert.deepEqual(names(b.sync.pending()), ['amazon-bedrock/aws', 'anthropic/max', 'openai/gateway']);
    // B's own key did not reach the list either.
    assert.ok(!JSON.stringify(shared.value).includes('secondMACHINEkey'));
  });

  it('forgetting a "sign in on this machine" row removes it from the synced list; the machine that has it keeps it but stops publishing it', async () => {
    const shared = { value: undefined as unknown };
    const a = await laptop(shared);
    const b = await machine(shared);
    await b.sync.sync();
    await b.sync.forget('anthropic', 'max');
    assert.ok(!names(b.sync.pending()).includes('anthropic/max'));
    await a.sync.sync(); // the laptop's next turn does not bring it back
    assert.ok(a.vault.account('anthropic', 'max'), 'the laptop keeps its sign-in');
    await b.sync.sync();
    assert.ok(!names(b.sync.pending()).includes('anthropic/max'));
    const read = readSynced(shared.value);
    assert.ok(read.state === 'ok' && !names(read.list.accounts).includes('anthropic/max'));
  });

  it('signing out on one machine removes the account from the list; an adopted copy elsewhere stays there', async () => {
    const shared = { value: undefined as unknown };
    const a = await laptop(shared);
    const b = await machine(shared);
    await b.sync.sync();
    await a.vault.remove('openai', 'vault');
    await a.sync.sync();
    const read = readSynced(shared.value);
    assert.ok(read.state === 'ok' && !names(read.list.accounts).includes('openai/vault'));
    await b.sync.sync();
    assert.ok(b.vault.account('openai', 'vault'), "B's own account is B's");
    await a.sync.sync();
    assert.equal(a.vault.account('openai', 'vault'), undefined, 'not re-added on the machine that signed out');
  });

  it('two machines publishing in turn keep both their accounts (a union, not last writer wins)', async () => {
    const shared = { value: undefined as unknown };
    const a = await laptop(shared);
    const b = await machine(shared);
    await b.vault.add('groq', 'desk', { type: 'api_key', key: 'gsk_deskMACHINEkeyXXXXXXXXXXXXXX' });
    await b.sync.sync();
    await a.sync.sync();
    assert.deepEqual(names(a.sync.pending()), ['groq/desk']);
    const writes = a.writes.length;
    await a.sync.sync();
    assert.equal(a.writes.length, writes, 'nothing new: nothing written');
  });

  it('two machines with an account of the same name but other settings do not rewrite the list on every turn', async () => {
    const shared = { value: undefined as unknown };
    const a = await machine(shared);
    await a.vault.add('openai', 'desk', { type: 'api_key', key: OPENAI });
    await a.vault.setRequest('openai', 'desk', { baseUrl: 'https://a.example/v1' });
    await a.sync.sync();
    const b = await machine(shared);
    const written = Date.now();
    while (Date.now() <= written); // B's account is made after A's entry was written (a later millisecond)
    await b.vault.add('openai', 'desk', { type: 'api_key', key: 'sk-proj-machineBkeyXXXXXXXXXXXXXX' });
    await b.sync.sync();
    await a.sync.sync();
    const [wa, wb] = [a.writes.length, b.writes.length];
    for (let i = 0; i < 3; i++) {
      await b.sync.sync();
      await a.sync.sync();
    }
    assert.deepEqual([a.writes.length, b.writes.length], [wa, wb]);
    // The newer account's version holds the entry; a change on B (which wrote it) still goes out.
    let read = readSynced(shared.value);
    assert.ok(read.state === 'ok');
    assert.equal(read.list.accounts.find((x) => x.name === 'desk')?.baseUrl, undefined);
    await b.vault.setRequest('openai', 'desk', { baseUrl: 'https://b.example/v1' });
    await b.sync.sync();
    await a.sync.sync();
    read = readSynced(shared.value);
    assert.ok(read.state === 'ok');
    assert.equal(read.list.accounts.find((x) => x.name === 'desk')?.baseUrl, 'https://b.example/v1');
  });

  it('leaves a list written by a newer version alone and uses nothing of it', async () => {
    const newer = {
      version: 2,
      accounts: [{ provider: 'openai', name: 'x', kind: 'ref', at: 1, ref: { tool: 'pass', entry: 'a' } }],
    };
    const shared = { value: structuredClone(newer) as unknown };
    const b = await machine(shared);
    await b.vault.add('anthropic', 'work', { type: 'api_key', key: KEY });
    await b.sync.sync();
    assert.deepEqual(shared.value, newer);
    assert.equal(b.writes.length, 0);
    assert.deepEqual(b.sync.pending(), []);
    assert.equal(b.vault.account('openai', 'x'), undefined);
    assert.match(b.logs.join('\n'), /newer Pi Accounts/);
  });

  it("reads an older machine's entries it cannot understand as they are and writes them back unchanged", async () => {
    const future = { provider: 'anthropic', name: 'later', kind: 'passkey', at: 5 };
    const shared = {
      value: {
        version: 1,
        accounts: [future, { provider: 'anthropic', name: 'old', kind: 'api_key', at: 3 }],
        forgotten: ['junk'],
      } as unknown,
    };
    const b = await machine(shared);
    await b.sync.sync();
    assert.deepEqual(names(b.sync.pending()), ['anthropic/old']);
    assert.deepEqual((shared.value as { accounts: unknown[] }).accounts.at(-1), future);
  });

  for (const garbage of ['hello', 42, null, { version: 'one' }, { version: 1, accounts: 'x' }, []])
    it(`replaces a garbage value (${JSON.stringify(garbage)}) with this machine's list`, async () => {
      const shared = { value: garbage as unknown };
      const b = await machine(shared);
      await b.vault.add('anthropic', 'work', { type: 'api_key', key: KEY });
      await b.sync.sync();
      const read = readSynced(shared.value);
      assert.ok(read.state === 'ok');
      assert.deepEqual(names(read.list.accounts), ['anthropic/work']);
      assert.deepEqual(b.sync.pending(), []);
    });

  it('with the setting off, reads and writes nothing and shows no rows', async () => {
    const shared = { value: undefined as unknown };
    await laptop(shared);
    const before = structuredClone(shared.value);
    const b = await machine(shared, () => false);
    await b.vault.add('groq', 'desk', { type: 'api_key', key: 'gsk_deskMACHINEkeyXXXXXXXXXXXXXX' });
    await b.sync.sync();
    assert.deepEqual(shared.value, before);
    assert.deepEqual(b.sync.pending(), []);
    assert.equal(b.vault.account('openai', 'vault'), undefined);
  });

  it('uses the key Settings Sync is told about', () => {
    assert.equal(SYNC_KEY, 'piAccounts.syncedAccounts');
  });
});
