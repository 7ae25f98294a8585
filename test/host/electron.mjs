// The second launcher of the in-host suite: @vscode/test-electron downloads a desktop VS Code
// and runs test/host/suite inside its extension host. It cannot run on our machines (no
// network but npm and Debian), so CI uses code-server instead (scenarios.test.mjs, scenario 9).
import { runTests } from '@vscode/test-electron';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
await runTests({
  extensionDevelopmentPath: root,
  extensionTestsPath: join(root, 'test/host/suite/index.js'),
  extensionTestsEnv: { PI_CODING_AGENT_DIR: mkdtempSync(join(tmpdir(), 'pi-accounts-electron-')) },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
});
