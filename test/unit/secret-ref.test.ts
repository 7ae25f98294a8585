import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Credential } from '../../src/core/credentials';
import { isFault } from '../../src/core/faults';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { KeyResolver } from '../../src/core/resolver';
import { SecretCache } from '../../src/core/secret-cache';
import { readSecret, toolsOnPath } from '../../src/core/secret-reader';
import { parseRef, piCommand, type SecretRef } from '../../src/core/secret-ref';
import { refsInUse, terminalVariables } from '../../src/core/terminal-env';
import { Vault } from '../../src/core/vault';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { StandIns } from './password-managers';
import { piRuntime } from './pi1';
import { quiet } from './window';

const KEY_OP = 'sk-ant-api03-FromOnePassword0000aaaa1111';
const KEY_SEC = 'sk-ant-api03-FromKeychain00000bbbb2222';
const KEY_BWS = 'sk-ant-api03-FromBitwarden0000cccc3333';
const KEY_CMD = 'sk-ant-api03-FromOwnCommand000dddd4444';
const KEY_PASS = 'sk-ant-api03-FromPassStore0000eeee5555';
const BWS_ID = 'be8e0ad8-d545-4017-a55a-b02f014d4158';

// Debian's pass on PATH, or unpacked by .ci/run into the host tests' cache, where only these
// tests look: on PATH it would add "From my password manager…" to every key sign-in the host
// scenarios go through.
const unpacked = join(
  process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
  'pi-accounts-host',
  'debian-pass',
  'usr',
  'bin',
);
const PASS_PATH = `${unpacked}${delimiter}${process.env.PATH ?? ''}`;
const hasPass =
  spawnSync('sh', ['-c', 'command -v pass && command -v gpg'], { env: { ...process.env, PATH: PASS_PATH } }).status ===
  0;

/** A pass store in `dir` with a throw-away GPG key and `entry` holding `key`; the environment to read it. */
function passStore(dir: string, entry: string, key: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GNUPGHOME: join(dir, 'gnupg'),
    PASSWORD_STORE_DIR: join(dir, 'store'),
    PATH: PASS_PATH,
  };
  execFileSync('mkdir', ['-m', '700', env.GNUPGHOME!]);
  execFileSync(
    'gpg',
    [
      '--batch',
      '--passphrase',
      '',
      '--quick-gen-key',
      'pi-accounts-test@example.invalid',
      'default',
      'default',
      'never',
    ],
    { env, stdio: 'ignore' },
  );
  execFileSync('pass', ['init', 'pi-accounts-test@example.invalid'], { env, stdio: 'ignore' });
  execFileSync('pass', ['insert', '-m', entry], {
    env,
    input: `${key}\nuser: me\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return env;
}

/** The secret key gone (as when gpg-agent cannot unlock it): pass cannot open the store. */
function lockPass(env: NodeJS.ProcessEnv): void {
  execFileSync('sh', ['-c', 'gpgconf --kill gpg-agent; rm -rf "$GNUPGHOME/private-keys-v1.d"'], { env });
}

const faultOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (isFault(e, 'secret-ref')) return e;
    throw e;
  }
  throw new Error('expected a secret-ref fault');
};

describe('keys kept in a password manager: read at the last moment, never stored', function () {
  let t: ReturnType<typeof tempDir>;
  let pm: StandIns;
  beforeEach(() => {
    t = tempDir();
    pm = new StandIns(t.dir);
  });
  afterEach(() => t.cleanup());

  describe('the reader, against stand-ins with the tools’ documented exit codes and wording', () => {
    it('1Password: op read; signed out → "locked" with the unlock step; a missing item → "not found"', async () => {
      pm.op('op://Private/Anthropic/credential', KEY_OP);
      const ref: SecretRef = { tool: 'op', ref: 'op://Private/Anthropic/credential' };
      assert.equal(await readSecret(ref, { env: pm.env() }), KEY_OP);
      pm.lock('op');
      const locked = await faultOf(readSecret(ref, { env: pm.env() }));
      assert.equal(locked.details.reason, 'locked');
      assert.match(locked.message, /1Password is locked or not signed in/);
      assert.match(locked.nextStep!, /Unlock the 1Password app .*op signin.*The account is kept\./);
      pm.lock('op', false);
      const missing = await faultOf(readSecret({ tool: 'op', ref: 'op://Private/Nope/credential' }, { env: pm.env() }));
      assert.equal(missing.details.reason, 'not-found');
      console.log(`      op: "${locked.message}" / "${missing.message}"`);
    });

    it('macOS Keychain: security -w -s; exit 36 → locked, exit 44 → not found', async () => {
      pm.security('anthropic', KEY_SEC);
      assert.equal(await readSecret({ tool: 'security', service: 'anthropic' }, { env: pm.env() }), KEY_SEC);
      const missing = await faultOf(readSecret({ tool: 'security', service: 'openai' }, { env: pm.env() }));
      assert.equal(missing.details.reason, 'not-found');
      pm.lock('security');
      const locked = await faultOf(readSecret({ tool: 'security', service: 'anthropic' }, { env: pm.env() }));
      assert.equal(locked.details.reason, 'locked');
      assert.match(locked.nextStep!, /Unlock the login keychain/);
    });

    it('Bitwarden: bws secret get prints JSON, the value is taken; no access token → locked; unknown id → not found', async () => {
      pm.bws(BWS_ID, KEY_BWS);
      const ref: SecretRef = { tool: 'bws', id: BWS_ID };
      assert.equal(await readSecret(ref, { env: pm.env() }), KEY_BWS);
      const noToken = await faultOf(readSecret(ref, { env: pm.env(process.env, '') }));
      assert.equal(noToken.details.reason, 'locked');
      assert.match(noToken.nextStep!, /BWS_ACCESS_TOKEN/);
      const missing = await faultOf(
        readSecret({ tool: 'bws', id: '00000000-0000-4000-8000-000000000000' }, { env: pm.env() }),
      );
      assert.equal(missing.details.reason, 'not-found');
    });

    it('a tool that is not installed → "not installed" with where to get it', async () => {
      const env = { ...process.env, PATH: join(t.dir, 'empty') };
      for (const ref of [
        { tool: 'op', ref: 'op://a/b/c' },
        { tool: 'bws', id: BWS_ID },
        { tool: 'security', service: 'x' },
        { tool: 'pass', entry: 'x' },
      ] as SecretRef[]) {
        const f = await faultOf(readSecret(ref, { env }));
        assert.equal(f.details.reason, 'not-installed', ref.tool);
        assert.match(f.nextStep!, /Install|only macOS/);
      }
      assert.deepEqual(await toolsOnPath(env), ['command']);
      assert.deepEqual(await toolsOnPath(pm.env({ PATH: join(t.dir, 'empty') })), ['op', 'security', 'bws', 'command']);
    });

    it("a command of one's own runs in the shell; bounded in time and in output", async () => {
      assert.equal(await readSecret({ tool: 'command', command: `printf '%s\\n' ${KEY_CMD}` }), KEY_CMD);
      const missing = await faultOf(readSecret({ tool: 'command', command: 'no-such-program-here --x' }));
      assert.equal(missing.details.reason, 'not-installed');
      const slow = await faultOf(readSecret({ tool: 'command', command: 'sleep 30' }, { timeoutMs: 300 }));
      assert.match(slow.message, /no answer within/);
      const huge = await faultOf(readSecret({ tool: 'command', command: 'head -c 200000 /dev/zero | tr "\\0" a' }));
      assert.match(huge.message, /more than 64 KB/);
      const empty = await faultOf(readSecret({ tool: 'command', command: 'true' }));
      assert.match(empty.message, /printed nothing/);
    });

    it('references are checked before use: one line, op:// shape, bws id shape', () => {
      assert.ok('problem' in parseRef('op', 'Private/Anthropic'));
      assert.ok('problem' in parseRef('bws', 'not an id'));
      assert.ok('problem' in parseRef('command', 'a\nb'));
      assert.deepEqual(parseRef('pass', ' api/anthropic '), { ref: { tool: 'pass', entry: 'api/anthropic' } });
    });
  });

  describe('the cache: memory only, bounded lifetime, one read for many', () => {
    it('concurrent uses share one read; the key is forgotten after its lifetime; failures are not kept', async () => {
      let now = 1_000;
      let reads = 0;
      let fail = false;
      const cache = new SecretCache({
        lifetimeMs: 60_000,
        now: () => now,
        read: async () => {
          reads++;
          if (fail) throw new Error('locked');
          return KEY_OP;
        },
      });
      const ref: SecretRef = { tool: 'op', ref: 'op://a/b/c' };
      const keys = await Promise.all(Array.from({ length: 50 }, () => cache.resolve(ref)));
      assert.ok(keys.every((k) => k === KEY_OP));
      assert.equal(reads, 1);
      assert.equal(cache.peek(ref), KEY_OP);
      now += 60_001;
      assert.equal(cache.peek(ref), undefined, 'gone after its lifetime');
      assert.deepEqual(cache.values(), []);
      fail = true;
      await assert.rejects(cache.resolve(ref));
      fail = false;
      assert.equal(await cache.resolve(ref), KEY_OP);
      assert.equal(reads, 3);
    });
  });

  describe('accounts by reference: resolver, terminals, auth.json, and what is stored', () => {
    let store: MemorySecretStore;
    let vault: Vault;
    let cache: SecretCache;
    let resolver: KeyResolver;
    let authPath: string;
    let mirror: AuthMirror;
    // What the extension host's environment is for the reads (pass's store is added by a test);
    // '' as the Bitwarden token takes it away, as a machine without BWS_ACCESS_TOKEN.
    let envBase: NodeJS.ProcessEnv;
    let bwsToken: string | undefined;
    const ref = (r: SecretRef): Credential => ({ type: 'ref', ref: r });

    beforeEach(async () => {
      store = new MemorySecretStore();
      vault = new Vault(store);
      await vault.load();
      envBase = process.env;
      bwsToken = undefined;
      cache = new SecretCache({ env: () => pm.env(envBase, bwsToken) });
      resolver = new KeyResolver({
        vault,
        oauth: () => undefined,
        log: quiet,
        inUse: defaultsOf(vault),
        refs: cache,
        locked: lockedRun({ inUse: defaultsOf(vault), mirror: () => undefined, privateLock: join(t.dir, 'p') }),
      });
      authPath = join(t.dir, 'auth.json');
      mirror = new AuthMirror(
        vault,
        new MirrorStateStore(store),
        () => authPath,
        () => undefined,
        defaultsOf(vault),
      );
    });

    it("the store a language-model request gets from the resolver (pi-ai's CredentialStore) reads the key too", async () => {
      pm.op('op://Private/Anthropic/credential', KEY_OP);
      await vault.add('anthropic', 'work', ref({ tool: 'op', ref: 'op://Private/Anthropic/credential' }));
      const c = await resolver.credentialStore('anthropic', 'work').read('anthropic');
      assert.deepEqual(c && { type: c.type, key: (c as { key?: string }).key }, { type: 'api_key', key: KEY_OP });
      assert.equal(vault.account('anthropic', 'work')!.needsSignIn, false);
    });

    it('the resolver reads the key when asked; a locked manager is a fault in words and the account is kept as it is', async () => {
      pm.op('op://Private/Anthropic/credential', KEY_OP);
      await vault.add('anthropic', 'work', ref({ tool: 'op', ref: 'op://Private/Anthropic/credential' }));
      assert.equal(vault.account('anthropic', 'work')!.keyTail, '…');
      assert.equal(await resolver.key('anthropic'), KEY_OP);
      cache.forget();
      pm.lock('op');
      const f = await faultOf(resolver.key('anthropic', 'work'));
      assert.equal(f.details.reason, 'locked');
      const info = vault.account('anthropic', 'work')!;
      assert.equal(info.needsSignIn, false, 'not marked');
      assert.deepEqual(info.ref, { tool: 'op', ref: 'op://Private/Anthropic/credential' });
      pm.lock('op', false);
      assert.equal(await resolver.key('anthropic', 'work'), KEY_OP, 'works again once unlocked');
    });

    it('terminals get the key once it was read, not before', async () => {
      pm.security('anthropic', KEY_SEC);
      await vault.add('anthropic', 'work', ref({ tool: 'security', service: 'anthropic' }));
      const active = defaultsOf(vault);
      assert.deepEqual(
        terminalVariables(vault, active, {}, (r) => cache.peek(r)),
        [],
      );
      for (const r of refsInUse(vault, active)) await cache.resolve(r);
      const vars = terminalVariables(vault, active, {}, (r) => cache.peek(r));
      assert.deepEqual(
        vars.map((v) => [v.variable, v.value]),
        [['ANTHROPIC_API_KEY', KEY_SEC]],
      );
    });

    it("auth.json gets pi's own !command form, and the real pi 1.x resolves each kind; no copy of a key in auth.json or the storage", async function () {
      this.timeout(60_000);
      pm.op('op://Private/Anthropic/credential', KEY_OP);
      pm.security('openai', KEY_SEC);
      pm.bws(BWS_ID, KEY_BWS);
      await vault.add('anthropic', 'op', ref({ tool: 'op', ref: 'op://Private/Anthropic/credential' }));
      await vault.add('openai', 'keychain', ref({ tool: 'security', service: 'openai' }));
      await vault.add('groq', 'bws', ref({ tool: 'bws', id: BWS_ID }));
      const own = join(t.dir, 'own key.txt');
      writeFileSync(own, `${KEY_CMD}\n`);
      await vault.add('mistral', 'own', ref({ tool: 'command', command: `cat '${own}'` }));
      const report = await mirror.sync();
      assert.equal(report.written, true);
      const text = readFileSync(authPath, 'utf8');
      const auth = JSON.parse(text) as Record<string, { key: string }>;
      assert.deepEqual(Object.fromEntries(Object.entries(auth).map(([p, e]) => [p, e.key])), {
        anthropic: '!op read op://Private/Anthropic/credential',
        openai: '!security find-generic-password -w -s openai',
        groq: `!bws secret get ${BWS_ID} --output json | sed -n 's/^ *"value": *"\\(.*\\)",\\{0,1\\}$/\\1/p'`,
        mistral: `!cat '${own}'`,
      });
      // The grep over what we write: auth.json, the mirror's state and the vault in secret storage.
      const storage = join(t.dir, 'secret-storage.dump');
      writeFileSync(storage, [...store.map.entries()].map(([k, v]) => `${k}=${v}`).join('\n'));
      for (const key of [KEY_OP, KEY_SEC, KEY_BWS, KEY_CMD]) {
        // grep exits 1 when nothing matches.
        const g = spawnSync('grep', ['-F', '-c', key, authPath, storage], { encoding: 'utf8' });
        assert.equal(g.status, 1, `no plain copy of the key: ${g.stdout}`);
      }
      // pi 1.x runs the commands with its own shell and the environment it was started with.
      const saved = { PATH: process.env.PATH, BWS: process.env.BWS_ACCESS_TOKEN };
      Object.assign(process.env, pm.env());
      try {
        const pi = await piRuntime(authPath);
        const keyOf = async (p: string) => (await pi.getAuth(p))?.auth.apiKey;
        assert.equal(await keyOf('anthropic'), KEY_OP);
        assert.equal(await keyOf('openai'), KEY_SEC);
        assert.equal(await keyOf('groq'), KEY_BWS);
        assert.equal(await keyOf('mistral'), KEY_CMD);
      } finally {
        process.env.PATH = saved.PATH;
        if (saved.BWS === undefined) delete process.env.BWS_ACCESS_TOKEN;
        else process.env.BWS_ACCESS_TOKEN = saved.BWS;
      }
      // Nothing of ours is offered back as an import from auth.json.
      assert.deepEqual((await mirror.scanImports()).skipped, []);
      console.log(
        `      auth.json (${text.length} bytes) and ${store.map.size} stored secrets hold no copy of the 4 keys`,
      );
    });

    it('each password manager through sign-in, terminal, pi, a model request and locked; no plain copy anywhere', async function () {
      this.timeout(120_000);
      const own = join(pm.bin, 'own key.txt'); // beside the stand-ins' stores: the manager's side
      writeFileSync(own, `${KEY_CMD}\n`);
      pm.op('op://Private/Anthropic/credential', KEY_OP);
      pm.security('openai', KEY_SEC);
      pm.bws(BWS_ID, KEY_BWS);
      interface Kind {
        readonly label: string;
        readonly provider: string;
        readonly r: SecretRef;
        readonly key: string;
        readonly lock: () => void;
        /** What the reader makes of the tool's answer once it is locked. */
        readonly locked: 'locked' | 'failed';
      }
      const kinds: Kind[] = [
        {
          label: '1Password',
          provider: 'anthropic',
          r: { tool: 'op', ref: 'op://Private/Anthropic/credential' },
          key: KEY_OP,
          lock: () => pm.lock('op'),
          locked: 'locked',
        },
        {
          label: 'macOS Keychain',
          provider: 'openai',
          r: { tool: 'security', service: 'openai' },
          key: KEY_SEC,
          lock: () => pm.lock('security'),
          locked: 'locked',
        },
        {
          label: 'Bitwarden',
          provider: 'groq',
          r: { tool: 'bws', id: BWS_ID },
          key: KEY_BWS,
          lock: () => (bwsToken = ''),
          locked: 'locked',
        },
        {
          label: "a command of one's own",
          provider: 'mistral',
          r: { tool: 'command', command: `cat '${own}'` },
          key: KEY_CMD,
          lock: () => renameSync(own, `${own}.away`), // its source gone: the command fails, in its own words
          locked: 'failed',
        },
      ];
      const skipped: string[] = [];
      if (hasPass) {
        envBase = passStore(t.dir, 'api/openrouter', KEY_PASS);
        kinds.push({
          label: 'pass',
          provider: 'openrouter',
          r: { tool: 'pass', entry: 'api/openrouter' },
          key: KEY_PASS,
          lock: () => lockPass(envBase),
          locked: 'locked',
        });
      } else skipped.push('pass: skipped, neither on PATH nor unpacked by .ci/run (apt-get download pass)');
      const tail = (k: string) => `…${k.slice(-4)}`;
      const rows: string[][] = [];
      for (const k of kinds) {
        const row = [k.label];
        rows.push(row);
        await vault.add(k.provider, k.r.tool, ref(k.r));
        // (1) sign-in: its one validating read.
        assert.equal(await cache.readNow(k.r), k.key, `${k.label}: sign-in`);
        row.push('ok');
        // (2) terminal: the variable a new terminal gets, now that the key was read.
        const v = terminalVariables(vault, defaultsOf(vault), {}, (r) => cache.peek(r)).find(
          (x) => x.variable === `${k.provider.toUpperCase()}_API_KEY`,
        );
        assert.equal(v?.value, k.key, `${k.label}: terminal`);
        row.push(`ok, ${v.variable}=${tail(v.value)}`);
      }
      // (3) pi: auth.json gets pi's !command form; the real pi 1.6 runs it with the environment
      // it was started with.
      assert.equal((await mirror.sync()).written, true);
      const auth = JSON.parse(readFileSync(authPath, 'utf8')) as Record<string, { key: string }>;
      const piEnv = pm.env(envBase);
      const saved = { ...process.env };
      Object.assign(process.env, {
        PATH: piEnv.PATH,
        BWS_ACCESS_TOKEN: piEnv.BWS_ACCESS_TOKEN,
        ...(hasPass && { GNUPGHOME: envBase.GNUPGHOME, PASSWORD_STORE_DIR: envBase.PASSWORD_STORE_DIR }),
      });
      // pi works in the workspace: whatever its commands leave behind lands there.
      const workspace = join(t.dir, 'workspace');
      mkdirSync(workspace);
      const cwd = process.cwd();
      process.chdir(workspace);
      const pi = await piRuntime(authPath);
      try {
        for (const [i, k] of kinds.entries()) {
          assert.equal(auth[k.provider]?.key, `!${piCommand(k.r)}`, `${k.label}: auth.json`);
          assert.equal((await pi.getAuth(k.provider))?.auth.apiKey, k.key, `${k.label}: pi`);
          rows[i].splice(1, 0, `\`${auth[k.provider].key.replaceAll('|', '\\|')}\``);
          rows[i].push('ok, same key');
        }
      } finally {
        process.chdir(cwd);
        for (const name of ['PATH', 'BWS_ACCESS_TOKEN', 'GNUPGHOME', 'PASSWORD_STORE_DIR'])
          if (saved[name] === undefined) delete process.env[name];
          else process.env[name] = saved[name];
      }
      for (const [i, k] of kinds.entries()) {
        // (4) a language-model request: the credential store the resolver hands it, read afresh.
        cache.forget();
        const c = await resolver.credentialStore(k.provider, k.r.tool).read(k.provider);
        assert.equal((c as { key?: string } | undefined)?.key, k.key, `${k.label}: model request`);
        rows[i].push('ok, same key');
        // (5) locked: the same request gets a fault in words, and the account is kept.
        cache.forget();
        k.lock();
        const f = await faultOf(resolver.key(k.provider, k.r.tool));
        assert.equal(f.details.reason, k.locked, `${k.label}: locked`);
        assert.match(f.nextStep!, /The account is kept\.$/);
        assert.equal(vault.account(k.provider, k.r.tool)!.needsSignIn, false, `${k.label}: not marked`);
        rows[i].push(`${f.details.reason}: "${f.message}"`);
      }
      // No gpg-agent left behind for the temp GNUPGHOME.
      if (hasPass) execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: envBase, stdio: 'ignore' });
      // The literal scan: auth.json, the profile (secret storage and the mirror's state) and the
      // workspace; the password managers' own stores (the stand-ins' data, the own command's
      // file) are left out, pass's store is scanned too (it holds only gpg's ciphertext).
      const profile = join(t.dir, 'profile');
      mkdirSync(profile);
      writeFileSync(
        join(profile, 'secret-storage.dump'),
        [...store.map.entries()].map(([k, v]) => `${k}=${v}`).join('\n'),
      );
      const files = execFileSync('find', [t.dir, '-path', pm.bin, '-prune', '-o', '-type', 'f', '-print'], {
        encoding: 'utf8',
      });
      for (const k of kinds) {
        // grep exits 1 when nothing matches.
        const g = spawnSync(
          'grep',
          ['-rFl', '--exclude-dir', pm.bin.split('/').pop()!, k.key, authPath, profile, workspace, t.dir],
          {
            encoding: 'utf8',
          },
        );
        assert.equal(g.status, 1, `no plain copy of the ${k.label} key: ${g.stdout}`);
        // The same grep finds the key where it is kept in plain (the stand-ins' stores, the own
        // command's file), so a copy elsewhere would show; pass keeps only ciphertext.
        if (k.r.tool !== 'pass')
          assert.equal(spawnSync('grep', ['-rFl', k.key, pm.bin]).status, 0, `${k.label}: the grep itself`);
      }
      const head = ['manager', 'the command pi runs', 'sign-in', 'terminal', 'pi', 'model request', 'locked'];
      console.log(
        [
          `| ${head.join(' | ')} |`,
          `|${head.map(() => ' --- ').join('|')}|`,
          ...rows.map((r) => `| ${r.join(' | ')} |`),
          ...skipped,
          `grep -rFl <key> over auth.json, the profile, the workspace and the rest of the test's directory (${files.trim().split('\n').length} files, pass's store included, the stand-ins' own stores left out): 0 hits for each of the ${kinds.length} keys`,
        ].join('\n'),
      );
    });

    it('a reference with quotes and spaces reaches pi quoted for the shell', () => {
      const r: SecretRef = { tool: 'op', ref: "op://My Vault/Bob's key/credential" };
      assert.equal(piCommand(r), `op read 'op://My Vault/Bob'\\''s key/credential'`);
      const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${piCommand(r).slice('op read '.length)}`], {
        encoding: 'utf8',
      });
      assert.equal(out, r.ref);
    });
  });

  // The real pass (Debian's package) with a throw-away GPG key made here in a temp GNUPGHOME.
  describe('pass, the real one', function () {
    before(function () {
      if (!hasPass) this.skip(); // .ci/run unpacks it (apt-get download pass)
    });

    it('reads an entry, reports a missing one, reports a key gpg cannot open; pi resolves it too', async function () {
      this.timeout(120_000);
      const env = passStore(t.dir, 'api/anthropic', KEY_PASS);
      const ref: SecretRef = { tool: 'pass', entry: 'api/anthropic' };
      assert.equal(await readSecret(ref, { env }), KEY_PASS);
      const missing = await faultOf(readSecret({ tool: 'pass', entry: 'api/nope' }, { env }));
      assert.equal(missing.details.reason, 'not-found');
      // pi 1.x's command form.
      const authPath = join(t.dir, 'auth.json');
      writeFileSync(authPath, JSON.stringify({ anthropic: { type: 'api_key', key: `!${piCommand(ref)}` } }));
      const saved = { ...process.env };
      Object.assign(process.env, {
        GNUPGHOME: env.GNUPGHOME,
        PASSWORD_STORE_DIR: env.PASSWORD_STORE_DIR,
        PATH: env.PATH,
      });
      try {
        assert.equal((await (await piRuntime(authPath)).getAuth('anthropic'))?.auth.apiKey, KEY_PASS);
      } finally {
        for (const k of ['GNUPGHOME', 'PASSWORD_STORE_DIR', 'PATH'])
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
      }
      // The secret key gone (as when gpg-agent cannot unlock it): "locked", with the step.
      lockPass(env);
      const locked = await faultOf(readSecret(ref, { env }));
      assert.equal(locked.details.reason, 'locked');
      assert.match(locked.nextStep!, /GPG key/);
      // No gpg-agent left behind for the temp GNUPGHOME.
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
    });
  });
});
