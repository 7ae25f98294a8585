import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import type { Credential, OAuthCredential } from '../../src/core/credentials';
import { withFileLock } from '../../src/core/mirror/auth-file';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { ModelsMirror } from '../../src/core/mirror/models-mirror';
import { deploymentMap } from '../../src/core/providers/azure-openai';
import { findProvider, PROVIDERS } from '../../src/core/providers/directory';
import { credentialFromForm } from '../../src/core/providers/forms';
import { Vault } from '../../src/core/vault';
import { anthropicTokenServer } from './emulator';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { openWindow } from './window';
import { pi1, piAuthCheck, piRuntime, piStore, type PiAuthResult } from './pi1';

const loadPi0 = async () =>
  (await import('@mariozechner/pi-coding-agent')) as unknown as {
    AuthStorage: { create(path: string): { getApiKey(provider: string): Promise<string | undefined> } };
  };

const root = resolve(__dirname, '../../..');
const run = promisify(execFile);

// Values a person could type into each form field (the forms check them).
const SAMPLE: Readonly<Record<string, string>> = {
  AZURE_OPENAI_RESOURCE_NAME: 'my-resource',
  AZURE_OPENAI_API_VERSION: 'v1',
  AZURE_OPENAI_DEPLOYMENT_NAME_MAP: 'gpt-5=my-gpt5, gpt-4.1=prod-41',
  CLOUDFLARE_ACCOUNT_ID: '0123456789abcdef0123456789abcdef',
  CLOUDFLARE_GATEWAY_ID: 'my-gateway',
  AWS_REGION: 'eu-west-1',
  AWS_PROFILE: 'work',
  AWS_ACCESS_KEY_ID: 'AKIAABCDEFGHIJKLMNOP',
  AWS_SECRET_ACCESS_KEY: 'secret/0123456789abcdefghijKLMNOPQRSTUVWX',
  GOOGLE_CLOUD_PROJECT: 'my-project-123',
  GOOGLE_CLOUD_LOCATION: 'us-central1',
};
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
// A sign-in as each provider's login stores it (the fields pi's toAuth reads).
const SIGN_IN: Readonly<Record<string, Record<string, unknown>>> = {
  'openai-codex': {
    access: jwt({ 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-1' }, exp: 4e9 }),
    accountId: 'acct-1',
  },
  'github-copilot': { access: 'tid=1;exp=4000000000;proxy-ep=proxy.individual.githubcopilot.com' },
};

interface Row {
  provider: string;
  kind: string;
  wrote: unknown;
  ok: boolean;
  pi: string;
  cli: string;
  pi0: string;
}

describe('interop with the real pi 1.x (@earendil-works/pi-coding-agent 1.6.0; 0.73.1 as a second peer)', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it("every provider in the directory: what the mirror writes, pi 1.x's own resolution reads back (keys, sign-ins, multi-value accounts)", async function () {
    this.timeout(120_000);
    const rows: Row[] = [];
    // One account kind per agent directory: pi reads one credential per provider.
    const cases: { provider: string; kind: string; credential: Credential; expect: PiAuthResult }[] = [];
    for (const p of PROVIDERS) {
      const key = `key-for-${p.id}-0123456789abcdef`;
      if (p.signIn.includes('apiKey') && !p.forms?.some((f) => f.key))
        cases.push({
          provider: p.id,
          kind: 'API key',
          credential: { type: 'api_key', key },
          expect: { auth: { apiKey: key } },
        });
      for (const form of p.forms ?? []) {
        const answers: Record<string, string> = {};
        for (const f of [...(form.key ? [form.key] : []), ...form.fields])
          answers[f.variable] = SAMPLE[f.variable] ?? key;
        // Vertex's ADC file must exist for pi to count it (providers/google-vertex.js).
        if (form.fields.some((f) => f.variable === 'GOOGLE_APPLICATION_CREDENTIALS')) {
          answers.GOOGLE_APPLICATION_CREDENTIALS = join(t.dir, 'adc.json');
          writeFileSync(answers.GOOGLE_APPLICATION_CREDENTIALS, '{}');
        }
        const credential = credentialFromForm(form, answers);
        const env = credential.type === 'api_key' ? credential.env! : credential.type === 'env' ? credential.vars : {};
        if (env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP)
          env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP = deploymentMap(env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP)!;
        // A Vertex API key is bound to its project: pi sends the key alone.
        const keyAlone = p.id === 'google-vertex' && credential.type === 'api_key';
        cases.push({
          provider: p.id,
          kind: form.label,
          credential,
          expect: {
            auth: credential.type === 'api_key' ? { apiKey: credential.key } : {},
            ...(keyAlone ? {} : { env }),
          },
        });
      }
      if (p.oauth) {
        const access = `access-for-${p.id}-0123456789`;
        const credential = {
          type: 'oauth' as const,
          refresh: `refresh-for-${p.id}`,
          access,
          expires: Date.now() + 3_600_000,
          ...SIGN_IN[p.id],
        };
        cases.push({ provider: p.id, kind: 'sign-in', credential, expect: { auth: { apiKey: credential.access } } });
      }
    }
    const pi0 = (await loadPi0()).AuthStorage;
    for (const [i, c] of cases.entries()) {
      const dir = join(t.dir, `agent-${i}`);
      const path = join(dir, 'auth.json');
      const store = new MemorySecretStore();
      const vault = new Vault(store);
      await vault.load();
      await vault.add(c.provider, 'default', c.credential);
      await new AuthMirror(
        vault,
        new MirrorStateStore(store),
        () => path,
        () => undefined,
        defaultsOf(vault),
      ).sync();
      const wrote = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8'))[c.provider] : undefined;
      if (wrote) assert.equal(statSync(path).mode & 0o777, 0o600);
      const known = findProvider(c.provider)!.piExtension === undefined;
      let ok: boolean;
      let pi: string;
      let cli = '';
      if (c.credential.type === 'env' && c.credential.vars.AWS_ACCESS_KEY_ID) {
        // pi reads a key pair from its environment only: none in auth.json, and pi finds it there.
        const saved = { ...process.env };
        Object.assign(process.env, c.credential.vars);
        const got = await (await piRuntime(path)).getAuth(c.provider).finally(() => (process.env = saved));
        ok = wrote === undefined && got?.source === 'AWS access keys';
        pi = ok ? `ok: not in auth.json; from the terminal's variables (${got?.source})` : JSON.stringify(got);
      } else if (known) {
        const got = await (await piRuntime(path)).getAuth(c.provider);
        // pi hands some credentials on as a header (Kimi's sign-in, the Cloudflare gateway's token).
        const carried =
          got?.auth.apiKey ??
          Object.values(got?.auth.headers ?? {})
            .map((v) => (v ?? '').replace(/^Bearer /, '')) // pi may hand a header as null (unset)
            .find((v) => v === c.expect.auth.apiKey);
        const seen = { auth: { ...(carried ? { apiKey: carried } : {}) }, ...(got?.env ? { env: got.env } : {}) };
        const want = {
          auth: c.expect.auth,
          ...(c.expect.env && Object.keys(c.expect.env).length ? { env: c.expect.env } : {}),
        };
        ok = isDeepStrictEqual(seen, want);
        pi = ok
          ? `ok: ${[carried ? 'key' : '', ...Object.keys(got?.env ?? {})].filter(Boolean).join(', ')} (${got?.source})`
          : JSON.stringify(got);
        if (c.kind === 'API key' || c.kind === 'sign-in') {
          const r = await piAuthCheck(dir, c.provider);
          cli =
            r.status === 'ready' && r.credentials === c.expect.auth.apiKey
              ? `ready (${r.authType})`
              : JSON.stringify(r);
          ok &&= cli.startsWith('ready');
        }
      } else {
        // Providers only a pi extension serves: pi core stores the entry and hands it as is.
        ok = isDeepStrictEqual((await pi1()).readStoredCredential(c.provider, path), c.credential);
        pi = ok ? `stored as written (needs ${findProvider(c.provider)!.piExtension})` : 'differs';
      }
      let old = '';
      if (c.kind === 'API key' || (c.kind === 'sign-in' && c.provider === 'anthropic')) {
        const k = await pi0
          .create(path)
          .getApiKey(c.provider)
          .catch(() => undefined);
        old = k === c.expect.auth.apiKey ? 'ok' : k === undefined ? '-' : 'differs';
      }
      rows.push({ provider: c.provider, kind: c.kind, wrote, ok, pi, cli, pi0: old });
    }
    const width = (k: keyof Row) => Math.max(...rows.map((r) => String(r[k]).length));
    console.log(
      `      ${'provider'.padEnd(width('provider'))}  ${'account'.padEnd(width('kind'))}  pi 1.6 ModelRuntime.getAuth / pi auth check / pi 0.73.1`,
    );
    for (const r of rows)
      console.log(
        `      ${r.provider.padEnd(width('provider'))}  ${r.kind.padEnd(width('kind'))}  ${r.ok ? 'ok ' : 'BAD'} ${r.pi}${r.cli ? ` / ${r.cli}` : ''}${r.pi0 ? ` / ${r.pi0}` : ''}`,
      );
    const bad = rows.filter((r) => !r.ok);
    assert.deepEqual(
      bad.map((r) => `${r.provider} ${r.kind}: ${r.pi} ${r.cli} wrote ${JSON.stringify(r.wrote)}`),
      [],
    );
    console.log(
      `      ${rows.length}/${rows.length} accounts of ${new Set(rows.map((r) => r.provider)).size} providers read back right by pi 1.6`,
    );
  });

  it("'$' in keys and header values: escaped as '$$', pi 1.x reads them back literally; a bare NAME stays a literal", async () => {
    const path = join(t.dir, 'auth.json');
    const modelsPath = join(t.dir, 'models.json');
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    const key = 'sk-proj-$HOME-${PATH}-$$-$!x-0123456789';
    await vault.add('openai', 'default', { type: 'api_key', key });
    await vault.add('groq', 'default', { type: 'api_key', key: 'GROQ_LITERAL_KEY_0123456789' });
    await vault.setRequest('openai', 'default', {
      baseUrl: 'http://127.0.0.1:9/v1',
      headers: { 'X-Version': 'v1$HOME', 'X-Cmd': '!not-a-command' },
    });
    await new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    ).sync();
    await new ModelsMirror(vault, store, () => modelsPath, defaultsOf(vault)).sync();
    const pi = await piRuntime(path, modelsPath);
    const model = pi.getModels('openai')[0];
    const got = await pi.getAuth(model);
    assert.equal(got?.auth.apiKey, key);
    assert.deepEqual(
      { v: got?.auth.headers?.['X-Version'], c: got?.auth.headers?.['X-Cmd'] },
      { v: 'v1$HOME', c: '!not-a-command' },
    );
    assert.equal(model.baseUrl, 'http://127.0.0.1:9/v1');
    assert.equal((await pi.getAuth('groq'))?.auth.apiKey, 'GROQ_LITERAL_KEY_0123456789');
  });

  it('keeps what pi writes, and pi keeps what the mirror writes', async () => {
    const path = join(t.dir, 'auth.json');
    const pi = await piStore(path);
    await pi.modify('github-copilot', () => ({
      type: 'oauth',
      refresh: 'gho_x',
      access: 'tid=1;proxy-ep=proxy.x',
      expires: Date.now() + 3_600_000,
    }));
    const store = new MemorySecretStore();
    const vault = new Vault(store);
    await vault.load();
    await vault.add('anthropic', 'work', { type: 'api_key', key: 'sk-ant-api03-interop-0123456789' });
    const mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    );
    await mirror.sync();
    await pi.modify('openai', () => ({ type: 'api_key', key: 'sk-proj-set-by-pi-0123456789' }));
    await vault.removeProvider('anthropic');
    await mirror.sync();
    const data = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(Object.keys(data).sort(), ['github-copilot', 'openai']);
  });

  it('8 concurrent writers (4 pi processes, 4 mirror processes) lose no entry', async function () {
    this.timeout(120_000);
    const path = join(t.dir, 'auth.json');
    const perWriter = 25;
    const writer = join(root, 'test/unit/fixtures/writer.mjs');
    const env = { ...process.env, AUTH_FILE_MODULE: join(root, 'out/src/core/mirror/auth-file.js') };
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const kind = i % 2 === 0 ? 'pi' : 'mirror';
        return run(process.execPath, [writer, kind, path, `${kind}${i}`, String(perWriter)], { env, cwd: root }).then(
          (r) => JSON.parse(r.stdout) as { kind: string; ok: number; retries: number },
        );
      }),
    );
    const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { key: string }>;
    const expected = results.length * perWriter;
    assert.equal(
      results.reduce((n, r) => n + r.ok, 0),
      expected,
    );
    assert.equal(Object.keys(data).length, expected, 'every successful write is in the file');
    for (const [id, v] of Object.entries(data)) assert.equal(v.key, id.replace(/-(\d+)$/, '-key-$1'));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const piRetries = results.filter((r) => r.kind === 'pi').reduce((n, r) => n + r.retries, 0);
    console.log(
      `      8 writers (4 pi 1.6, 4 mirror) x ${perWriter} entries: ${Object.keys(data).length}/${expected} present, 0 lost, ${Date.now() - started} ms, pi writes that gave up on the lock and were retried: ${piRetries}`,
    );
  });

  // pi 0.73.1 could lose a write silently after a reload that found the lock busy
  // (AuthStorage.persistProviderChange returned early on `loadError`). pi 1.x's credential store
  // waits for the lock (proper-lockfile, its own backoff up to 30 s: auth-storage.js
  // acquireLockAsync, @earendil-works/pi-coding-agent 1.6.0) and re-reads under it.
  it('pi 1.x waits for a lock the mirror holds, then writes on top of what the mirror wrote: nothing lost', async () => {
    const path = join(t.dir, 'auth.json');
    writeFileSync(path, '{}');
    const pi = await piStore(path);
    let piDone = false;
    let write: Promise<unknown> | undefined;
    await withFileLock(path, async () => {
      write = pi.modify('openai', () => ({ type: 'api_key', key: 'sk-set-by-pi-0123456789' }));
      await new Promise((r) => setTimeout(r, 300)); // pi is kept waiting while we hold the lock
      piDone = readFileSync(path, 'utf8').includes('sk-set-by-pi');
      writeFileSync(path, JSON.stringify({ groq: { type: 'api_key', key: 'gsk-ours-0123456789' } }));
    });
    await write;
    assert.equal(piDone, false, 'pi did not write under our lock');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {
      groq: { type: 'api_key', key: 'gsk-ours-0123456789' },
      openai: { type: 'api_key', key: 'sk-set-by-pi-0123456789' },
    });
  });

  it("pi 1.x's ModelRuntime and the extension refreshing the same expired account at once: 1 refresh, same tokens", async function () {
    this.timeout(120_000);
    const path = join(t.dir, 'auth.json');
    const server = await anthropicTokenServer({ latencyMs: 150 });
    const { vault, mirror, resolver } = await openWindow(new MemorySecretStore(), t.dir, server.tokenUrl);
    await vault.add('anthropic', 'max', {
      type: 'oauth',
      refresh: 'rt-0',
      access: 'sk-ant-oat01-access-0',
      expires: Date.now() - 1000,
    });
    await mirror.sync();
    const rounds = 3;
    const piPerRound = 3;
    let piWon = 0;
    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        // Hours pass: the current tokens expire, in auth.json and in the vault alike.
        const stale = { ...vault.credential('anthropic', 'max')!, expires: Date.now() - 1000 } as OAuthCredential;
        writeFileSync(path, JSON.stringify({ anthropic: stale }, null, 2));
        await vault.updateCredential('anthropic', 'max', stale);
        await mirror.sync();
      }
      const before = server.stats.refreshes;
      const pis = Array.from({ length: piPerRound }, () => racer(path, server.base));
      await Promise.all(pis.map((p) => p.ready));
      // Alternate who starts first, so both orders of the race happen.
      const ours =
        round % 2
          ? (pis.forEach((p) => p.go()), resolver.key('anthropic'))
          : resolver.key('anthropic').finally(() => undefined);
      if (round % 2 === 0) pis.forEach((p) => p.go());
      const [mine, ...theirs] = await Promise.all([ours, ...pis.map((p) => p.result)]);
      assert.equal(server.stats.refreshes - before, 1, `round ${round}: exactly one refresh`);
      for (const r of theirs) assert.deepEqual(r, { key: mine, errors: [] }, `round ${round}: pi got the same key`);
      const file = JSON.parse(readFileSync(path, 'utf8')).anthropic;
      const fresh = await vault.freshCredential('anthropic', 'max');
      assert.deepEqual(file, fresh, `round ${round}: auth.json and the vault hold the same tokens`);
      if (server.seen.at(-1)?.headers['user-agent'] !== undefined) piWon++;
    }
    assert.equal(server.stats.reused, 0, 'no refresh token was spent twice');
    assert.equal(vault.accounts('anthropic')[0].needsSignIn, false);
    console.log(
      `      ${rounds} rounds x (${piPerRound} pi processes + the extension): ${server.stats.refreshes} refreshes, 0 reused; pi refreshed first in ${piWon}, the extension in ${rounds - piWon}`,
    );
    await server.close();
  });
});

function racer(path: string, emulatorBase: string) {
  const child = spawn(process.execPath, [join(root, 'test/unit/fixtures/pi-refresh.mjs'), path, emulatorBase], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<{ key: string; errors: string[] }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) onReady();
      const line = out.split('\n')[1];
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => (code ? reject(new Error(`pi racer exited with ${code}`)) : undefined));
  });
  return { ready, result, go: () => child.stdin.write('go\n') };
}
