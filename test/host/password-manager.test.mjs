// Host scenario: a key kept in a password manager, signed in through the palette in a real
// VS Code. A stand-in `op` (1Password CLI 2.x's `op read`: the value and a newline; signed out:
// "[ERROR] <date> You are not currently signed in…", exit 1) is first on the extension host's PATH.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { piKey } from './pi1.mjs';
import { packageConsumer, prepareExtensions, Workbench } from './harness.mjs';
import * as steps from './steps.mjs';

const KEY = 'sk-ant-api03-hostFromOnePassword-0123456789';
const REF = 'op://Private/Anthropic/credential';

const OP = `#!/bin/sh
dir=$(dirname "$0")
if [ "$1" != "read" ]; then echo "[ERROR] 2026/12/06 10:00:00 unknown command" >&2; exit 1; fi
if [ -e "$dir/op.locked" ]; then
  echo "[ERROR] 2026/12/06 10:00:00 You are not currently signed in. Please run \\\`op signin --help\\\` for instructions" >&2
  exit 1
fi
if [ "$2" = "${REF}" ]; then echo "${KEY}"; exit 0; fi
echo "[ERROR] 2026/12/06 10:00:00 could not read secret '$2': \\"Nope\\" isn't an item in the \\"Private\\" vault." >&2
exit 1
`;

describe('Pi Accounts in a real VS Code host: a key kept in a password manager', function () {
  this.timeout(240_000);
  let extensions;
  let w;
  let bin;

  before(function () {
    this.timeout(300_000);
    extensions = prepareExtensions([steps.VSIX, packageConsumer()]);
    bin = join(mkdtempSync(join(tmpdir(), 'pi-accounts-op-')), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'op'), OP);
    chmodSync(join(bin, 'op'), 0o755);
  });
  after(() => rmSync(join(bin, '..'), { recursive: true, force: true }));

  afterEach(async function () {
    await steps.finish(this.currentTest, w);
    w = undefined;
  });

  it("18. From my password manager…: 1Password reference → terminal, auth.json's !command, the real pi; locked → words and the account kept", async () => {
    // VSCODE_CLI=1: the server then keeps this environment instead of a login shell's, whose
    // PATH would not have the stand-in (code-server 4.139.1 server-main.js, resolveShellEnv()).
    const env = { PATH: `${bin}:${process.env.PATH}`, VSCODE_CLI: '1' };
    w = await Workbench.start({ extensionsTemplate: extensions, env });
    await w.openAccountsView();
    await steps.startSignIn(w, 'Anthropic', 'vault');
    // The key box (3/3) has the lock button only because `op` is on PATH.
    await w.page.locator('.quick-input-widget .action-label[aria-label^="From my password manager"]').click();
    await w.answer('1Password', { pick: '1Password' });
    await w.answer(REF);
    await w.notification('as "vault"');
    const row = w.treeRow('vault');
    await row.waitFor();
    assert.match(await row.textContent(), /in use · password manager/);
    // pi gets the reference, never the key.
    const auth = await steps.authJson(w, (a) => a.anthropic);
    assert.deepEqual(auth, { anthropic: { type: 'api_key', key: `!op read ${REF}` } });
    process.env.PATH = env.PATH; // pi runs the command with the environment it was started with
    assert.equal(await piKey(w.authPath, 'anthropic'), KEY);
    // The terminal gets the key read at sign-in (held in memory only).
    assert.equal(await w.terminalOutput('echo $ANTHROPIC_API_KEY'), KEY);
    // No copy of the key in any file of the profile, the workspace or pi's directory.
    const found = [];
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && !p.includes(`${join(w.root, 'term-')}`)) {
          try {
            if (readFileSync(p).includes(KEY)) found.push(p);
          } catch {
            // a socket or a file removed meanwhile
          }
        }
      }
    };
    walk(w.root);
    // The terminal's own output file (our echo) is the only place the key may be.
    assert.deepEqual(
      found.filter((p) => !/term-\d+\.txt$/.test(p)),
      [],
      'no plain copy of the key on disk',
    );
    console.log(`      files under ${w.root} (profile, workspace, pi's dir) holding the key: ${found.length}`);
    // Locked: Check Key reads afresh only after the cache's lifetime, so sign out of op and sign in a second account.
    writeFileSync(join(bin, 'op.locked'), '');
    await steps.startSignIn(w, 'Anthropic', 'second');
    await w.page.locator('.quick-input-widget .action-label[aria-label^="From my password manager"]').click();
    await w.answer('1Password', { pick: '1Password' });
    await w.answer(REF);
    await w.notification('1Password is locked or not signed in');
    assert.equal(await w.treeRow('second').count(), 0, 'a sign-in that could not read stores nothing');
    await w.treeRow('vault').waitFor();
  });
});
