// Runs a command on Node 24 (`node scripts/node24.mjs <script> [args]`): pi 1.x
// (@earendil-works/pi-coding-agent and pi-ai, `engines.node` >= 22.19) does not load on an older
// Node, and the unit tests run its real code. Node 24 comes from npm into the host tests' cache
// (test/host/setup.mjs), so a fresh machine needs nothing else; where the running Node is already
// new enough, it is used as it is.
import { spawnSync } from 'node:child_process';
import { ensureNode24 } from '../test/host/setup.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
const node = major > 22 || (major === 22 && minor >= 19) ? process.execPath : ensureNode24();
const r = spawnSync(node, process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);
