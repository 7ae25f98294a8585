import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { watchFile } from '../../src/core/mirror/watch-file';
import { oauthProvider } from '../../src/core/providers/registry';
import { Vault } from '../../src/core/vault';
import { defaultsOf, MemorySecretStore, tempDir, until } from './helpers';
import { piStore } from './pi1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
describe('two-way sync with auth.json', function () {
  this.timeout(30_000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('notices auth.json written, replaced, deleted, and created in a folder that did not exist yet', async () => {
    const dir = join(t.dir, 'agent');
    const path = join(dir, 'auth.json');
    let events = 0;
    const w = watchFile(
      () => path,
      () => events++,
      { debounceMs: 20, retryMs: 50 },
    );
    try {
      mkdirSync(dir);
      writeFileSync(path, '{}');
      await until(() => events >= 1);
      let n = events;
      writeFileSync(join(dir, 'tmp'), '{"a":1}');
      renameSync(join(dir, 'tmp'), path); // how pi-like tools and we replace it
      await until(() => events > n);
      n = events;
      rmSync(path);
      await until(() => events > n);
      n = events;
      rmSync(dir, { recursive: true }); // the folder goes, then comes back
      await sleep(100);
      mkdirSync(dir);
      writeFileSync(path, '{}');
      await until(() => events > n);
      n = events;
      writeFileSync(join(dir, 'auth.json.lock'), ''); // other files in the folder do not count
      await sleep(150);
      assert.equal(events, n);
    } finally {
      w.dispose();
    }
  });

  it('two VS Code windows and pi on one auth.json: each change is written once, no write loops', async () => {
    const path = join(t.dir, 'auth.json');
    const shared = new MemorySecretStore();
    let writes = 0;
    const window = async (store: MemorySecretStore) => {
      const vault = new Vault(store);
      await vault.load();
      vault.watch();
      const mirror = new AuthMirror(
        vault,
        new MirrorStateStore(store),
        () => path,
        (id) => oauthProvider(id),
        defaultsOf(vault),
      );
      const sync = async () => {
        if ((await mirror.sync()).written) writes++;
      };
      vault.onDidChange((c) => void (c.reason !== 'load' && sync()));
      const watch = watchFile(
        () => path,
        () => void sync(),
        { debounceMs: 30 },
      );
      return { vault, watch };
    };
    const a = await window(shared);
    const b = await window(shared.sibling());
    try {
      const pi = await piStore(path); // pi 1.6's own credential store
      await a.vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-twoWINDOWS-0123456789' });
      await until(() => writes >= 1);
      await pi.modify('openai', () => ({ type: 'api_key', key: 'sk-proj-from-pi-0123456789abcdef' })); // foreign: left alone
      await pi.modify('anthropic', () => ({
        type: 'oauth',
        refresh: 'rt-login',
        access: 'sk-ant-oat01-login',
        expires: Date.now() + 3_600_000,
      })); // pi's /login: a conflict, never overwritten
      await sleep(1500);
      assert.equal(writes, 1, `auth.json was written ${writes} times`);
      const data = (await import('node:fs')).readFileSync(path, 'utf8');
      assert.match(data, /sk-ant-oat01-login/, "pi's login is kept");
      assert.match(data, /sk-proj-from-pi/);
      console.log(`      2 windows + pi: 1 write for 1 sign-in; pi's 2 writes kept; 0 loops in 1.5 s`);
    } finally {
      a.watch.dispose();
      b.watch.dispose();
    }
  });
});
