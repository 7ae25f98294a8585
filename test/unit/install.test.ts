// Issue 26, items 4–6: the companion installer (src/core/pi-link/install.ts) in a hostile
// extensions folder. A symlink planted at a temp name, a temp file swapped before the rename, a
// file that appears (or is replaced) between the check and the commit: the file we did not write
// is left byte for byte, and the step fails with a pi-link fault. An `extensions` that is a file,
// and one a second uid may not write, give a fault in words, not a raw EEXIST / EACCES.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { isFault } from '../../src/core/faults';
import { COMPANION_FILE, inspect, install, uninstall } from '../../src/core/pi-link/install';
import { tempDir } from './helpers';

const BODY = 'export default () => {};\n';
const VICTIM = 'my precious file\n';
const faultMatching = (re: RegExp) => (e: unknown) => isFault(e, 'pi-link') && re.test(e.message);

describe('installing the companion into a hostile extensions folder', () => {
  let t: ReturnType<typeof tempDir>;
  let ext: string;
  let target: string;
  let victim: string;
  beforeEach(() => {
    t = tempDir();
    ext = join(t.dir, 'agent', 'extensions');
    target = join(ext, COMPANION_FILE);
    victim = join(t.dir, 'victim.txt');
    writeFileSync(victim, VICTIM);
  });
  afterEach(() => t.cleanup());
  /** Nothing of ours is left behind: no temp file, no file moved aside. */
  const leftovers = () => readdirSync(ext).filter((n) => /^\.pi-accounts-companion\.js\..*\.tmp$|\.old$/.test(n));

  it('4. a symlink planted at the old predictable temp name is never written through', () => {
    mkdirSync(ext, { recursive: true });
    const planted = join(ext, `${COMPANION_FILE}.${process.pid}.tmp`);
    symlinkSync(victim, planted);
    assert.equal(install(join(t.dir, 'agent'), BODY, '1'), true);
    assert.equal(readFileSync(victim, 'utf8'), VICTIM, 'the file the link points to is untouched');
    assert.ok(lstatSync(planted).isSymbolicLink());
    assert.deepEqual(inspect(join(t.dir, 'agent'), '1'), { state: 'ours', version: '1', current: true });
    assert.deepEqual(leftovers(), []);
  });

  it('4. the temp file has a random name, is a new 0644 file; swapped for a symlink before the rename, nothing is renamed', () => {
    const seen: string[] = [];
    assert.throws(
      () =>
        install(join(t.dir, 'agent'), BODY, '1', {
          beforeCommit: () => {
            const [tmp] = readdirSync(ext).filter((n) => n.endsWith('.tmp'));
            seen.push(tmp);
            assert.equal(lstatSync(join(ext, tmp)).mode & 0o777, 0o644);
            unlinkSync(join(ext, tmp));
            symlinkSync(victim, join(ext, tmp));
          },
        }),
      faultMatching(/changed while Pi Accounts was installing/),
    );
    assert.match(seen[0], /^\.pi-accounts-companion\.js\.[0-9a-f]{24}\.tmp$/);
    assert.ok(!existsSync(target), 'nothing was put in place');
    assert.equal(readFileSync(victim, 'utf8'), VICTIM);
  });

  it('4. a symlink at the companion path itself counts as foreign: not followed, not replaced', () => {
    mkdirSync(ext, { recursive: true });
    install(join(t.dir, 'elsewhere'), BODY, '1');
    symlinkSync(join(t.dir, 'elsewhere', 'extensions', COMPANION_FILE), target);
    assert.deepEqual(inspect(join(t.dir, 'agent'), '1'), { state: 'foreign' });
    assert.throws(() => install(join(t.dir, 'agent'), BODY, '2'), faultMatching(/not written by Pi Accounts/));
    assert.throws(() => uninstall(join(t.dir, 'agent')), faultMatching(/not written by Pi Accounts/));
    assert.ok(lstatSync(target).isSymbolicLink());
  });

  it('5. a file created between the check and the commit is kept byte for byte, and the install fails', () => {
    const start = Date.now();
    assert.throws(
      () => install(join(t.dir, 'agent'), BODY, '1', { beforeCommit: () => writeFileSync(target, VICTIM) }),
      faultMatching(/changed while Pi Accounts was installing/),
    );
    console.log(`      typed fault after ${Date.now() - start} ms`);
    assert.equal(readFileSync(target, 'utf8'), VICTIM);
    assert.deepEqual(leftovers(), []);
  });

  it('5. an update whose old companion is replaced meanwhile keeps the new file and fails; so does a removal', () => {
    const agent = join(t.dir, 'agent');
    install(agent, BODY, '1');
    const replace = () => (unlinkSync(target), writeFileSync(target, VICTIM));
    assert.throws(
      () => install(agent, 'export default () => 2;\n', '2', { beforeCommit: replace }),
      faultMatching(/changed while/),
    );
    assert.equal(readFileSync(target, 'utf8'), VICTIM);
    assert.deepEqual(leftovers(), []);
    rmSync(target);
    install(agent, BODY, '1');
    assert.throws(() => uninstall(agent, { beforeCommit: replace }), faultMatching(/changed while/));
    assert.equal(readFileSync(target, 'utf8'), VICTIM);
    assert.deepEqual(leftovers(), []);
    // Undisturbed, both still work.
    rmSync(target);
    assert.equal(install(agent, BODY, '1'), true);
    assert.equal(install(agent, 'export default () => 3;\n', '3'), true);
    assert.deepEqual(inspect(agent, '3'), { state: 'ours', version: '3', current: true });
    assert.equal(uninstall(agent), true);
    assert.deepEqual(readdirSync(ext), []);
  });

  it('6. an extensions that is a file: a fault in words with what to do, the file untouched', () => {
    mkdirSync(join(t.dir, 'agent'));
    writeFileSync(ext, VICTIM);
    assert.deepEqual(inspect(join(t.dir, 'agent'), '1'), { state: 'absent' });
    const start = Date.now();
    assert.throws(
      () => install(join(t.dir, 'agent'), BODY, '1'),
      (e) =>
        isFault(e, 'pi-link') &&
        /is a file .*not a folder/.test(e.message) &&
        /Move that file away/.test(e.nextStep ?? '') &&
        !/EEXIST|ENOTDIR/.test(e.message),
    );
    console.log(`      typed fault after ${Date.now() - start} ms`);
    assert.equal(readFileSync(ext, 'utf8'), VICTIM);
  });

  it('6. a second uid that may not write in extensions/ gets a fault in words, not EACCES', async function () {
    if (process.getuid?.() !== 0) this.skip(); // running as another uid needs root
    mkdirSync(ext, { recursive: true });
    chmodSync(t.dir, 0o755);
    const module = resolve(__dirname, '../../src/core/pi-link/install.js');
    const script = `const m = require(${JSON.stringify(module)}); const t0 = Date.now(); try { m.install(${JSON.stringify(join(t.dir, 'agent'))}, 'x', '1'); console.log('{}'); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, next: e.nextStep, ms: Date.now() - t0 })); }`;
    // The system node: the one tests run under lives in root's home, out of the other uid's reach.
    const { stdout } = await promisify(execFile)('/usr/bin/node', ['-e', script], {
      uid: 4242,
      gid: 4242,
      env: { PATH: process.env.PATH },
    });
    const got = JSON.parse(stdout) as { name: string; message: string; next: string; ms: number };
    console.log(`      uid 4242: ${got.name} after ${got.ms} ms: ${got.message}`);
    assert.equal(got.name, 'Fault(pi-link)');
    assert.match(got.message, /may not write in pi's extensions folder .*permission denied/);
    assert.match(got.next, /chmod u\+w/);
    assert.doesNotMatch(got.message, /EACCES/);
    assert.deepEqual(readdirSync(ext), []);
  });
});
