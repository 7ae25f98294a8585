// `npm run screenshots`: the README's pictures, taken from the real VS Code host by the host
// scenarios that show them, then copied from test-results/host/ into media/readme/.
// `--no-run` only copies what the last host run left.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
// README picture ← the scenario that takes it (file in test-results/host/, title prefix).
const SHOTS = [
  ['accounts-view.png', 'accounts-view-quota.png', '12\\. usage-based rotation'],
  ['device-flow.png', 'copilot-device-code-modal.png', '11\\. GitHub Copilot device flow'],
  ['models.png', 'language-model-usage.png', '15\\. language models'],
  ['restricted-mode.png', 'U1-restricted-mode.png', 'U1\\.'],
  ['network-error.png', 'U2-network-error-in-words.png', 'U2\\.'],
  ['key-warning.png', 'U6-key-shape-warning.png', 'U6\\.'],
  ['status-bar.png', 'U10-status-bar.png', 'U10\\.'],
  ['walkthrough.png', 'U11-walkthrough.png', 'U11\\.'],
  ['usage.png', 'U18-usage-panel.png', 'U18\\.'],
];

if (!process.argv.includes('--no-run')) {
  const grep = SHOTS.map(([, , title]) => title).join('|');
  const r = spawnSync('npm', ['run', 'test:host', '--', '--grep', grep], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const out = join(root, 'media', 'readme');
mkdirSync(out, { recursive: true });
for (const [name, from] of SHOTS) {
  const src = join(root, 'test-results', 'host', from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run the host scenarios first`);
    process.exitCode = 1;
    continue;
  }
  copyFileSync(src, join(out, name));
  console.log(`media/readme/${name} ← test-results/host/${from}`);
}
