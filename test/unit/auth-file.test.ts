import assert from 'node:assert/strict';
import { promises as fs, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as lockfile from 'proper-lockfile';
import { isFault } from '../../src/core/faults';
import { readAuthFile, updateAuthFile } from '../../src/core/mirror/auth-file';
import { resolveAuthPath } from '../../src/core/mirror/auth-path';
import { tempDir } from './helpers';

describe('auth.json file: locked, atomic, 0600, corrupt files left alone', () => {
  let t: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    t = tempDir();
    path = join(t.dir, 'agent', 'auth.json');
  });
  afterEach(() => t.cleanup());

  it('resolves the path the way pi does', () => {
    assert.equal(resolveAuthPath('', { PI_CODING_AGENT_DIR: '/tmp/pi-x' }), '/tmp/pi-x/auth.json');
    assert.equal(resolveAuthPath(undefined, { PI_CODING_AGENT_DIR: '~/agent' }), join(homedir(), 'agent', 'auth.json'));
    assert.equal(resolveAuthPath(undefined, {}), join(homedir(), '.pi', 'agent', 'auth.json'));
    assert.equal(
      resolveAuthPath('~/custom/auth.json', { PI_CODING_AGENT_DIR: '/ignored' }),
      join(homedir(), 'custom', 'auth.json'),
    );
  });

  it("creates the folder 0700 and the file 0600, in pi's 2-space format", async () => {
    const r = await updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    assert.equal(r.written, true);
    assert.equal(statSync(join(t.dir, 'agent')).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(await fs.readFile(path, 'utf8'), JSON.stringify({ openai: { type: 'api_key', key: 'k' } }, null, 2));
    assert.deepEqual(readdirSync(join(t.dir, 'agent')).sort(), ['auth.json'], 'no temp file or lock left behind');
  });

  it('keeps entries it does not touch, byte for byte in value', async () => {
    mkdirSync(join(t.dir, 'agent'));
    const other = {
      type: 'oauth',
      refresh: 'r',
      access: 'a',
      expires: 1,
      enterpriseUrl: 'ghe.example.com',
      extra: [1, { x: null }],
    };
    writeFileSync(path, JSON.stringify({ 'github-copilot': other, 'my-custom': { anything: true } }));
    await updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    const data = (await readAuthFile(path))!;
    assert.deepEqual(data['github-copilot'], other);
    assert.deepEqual(data['my-custom'], { anything: true });
  });

  for (const [what, content] of [
    ['truncated JSON', '{"anthropic": {"type": "api_key", "key": "sk-'],
    ['an array', '[1,2,3]'],
    ['a BOM', '\uFEFF{}'],
    ['empty text', ''],
  ] as const) {
    it(`never overwrites ${what}: typed fault, file unchanged`, async () => {
      mkdirSync(join(t.dir, 'agent'));
      writeFileSync(path, content);
      const before = await fs.readFile(path);
      await assert.rejects(
        updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true)),
        (e) => isFault(e, 'mirror-corrupt') && e.details.path === path,
      );
      assert.deepEqual(await fs.readFile(path), before);
      assert.ok(!readdirSync(join(t.dir, 'agent')).includes('auth.json.lock'), 'lock released');
    });
  }

  it('tightens a file someone created world-readable, and says so', async () => {
    mkdirSync(join(t.dir, 'agent'));
    writeFileSync(path, '{}', { mode: 0o644 });
    const r = await updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    assert.equal(r.fixedMode, true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('writes through a symlinked auth.json and keeps the link', async () => {
    mkdirSync(join(t.dir, 'agent'));
    const real = join(t.dir, 'dotfiles-auth.json');
    writeFileSync(real, '{}', { mode: 0o600 });
    symlinkSync(real, path);
    await updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    assert.ok((await fs.lstat(path)).isSymbolicLink());
    assert.deepEqual(JSON.parse(await fs.readFile(real, 'utf8')), { openai: { type: 'api_key', key: 'k' } });
  });

  it("waits for pi's lock and then merges with what pi wrote meanwhile", async () => {
    mkdirSync(join(t.dir, 'agent'));
    writeFileSync(path, '{}');
    const release = await lockfile.lock(path, { realpath: false });
    const pending = updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    await new Promise((r) => setTimeout(r, 150));
    writeFileSync(path, JSON.stringify({ anthropic: { type: 'api_key', key: 'pi-wrote-this' } }));
    await release();
    await pending;
    assert.deepEqual(Object.keys((await readAuthFile(path))!).sort(), ['anthropic', 'openai']);
  });

  it('recovers a lock left by a dead process once it is stale (30 s, like pi)', async () => {
    mkdirSync(join(t.dir, 'agent'));
    writeFileSync(path, '{}');
    mkdirSync(`${path}.lock`);
    const old = new Date(Date.now() - 31_000);
    await fs.utimes(`${path}.lock`, old, old);
    await updateAuthFile(path, (d) => ((d.openai = { type: 'api_key', key: 'k' }), true));
    assert.ok((await readAuthFile(path))!.openai);
  });

  it('reports a folder it cannot write as a typed mirror-io fault', async function () {
    if (process.getuid?.() === 0) this.skip(); // root ignores permissions
    mkdirSync(join(t.dir, 'agent'), { mode: 0o500 });
    await assert.rejects(
      updateAuthFile(path, () => true),
      (e) => isFault(e, 'mirror-io'),
    );
  });

  it('reports a path whose parent is a file as a typed mirror-io fault', async () => {
    writeFileSync(join(t.dir, 'agent'), 'not a folder');
    await assert.rejects(
      updateAuthFile(path, () => true),
      (e) => isFault(e, 'mirror-io'),
    );
  });
});
