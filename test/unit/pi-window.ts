// A window's side of the pi link for tests: a vault with accounts A and B of Anthropic, the real
// Rotation and PiFeedback, and a log the test can read.
import { PiFeedback } from '../../src/core/pi-link/feedback';
import { fingerprint, type PiReport } from '../../src/core/pi-link/protocol';
import { feedbackInto } from '../../src/core/outlet';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { KEY_A, MemorySecretStore } from './helpers';

export const report = (o: Partial<PiReport>): PiReport => ({
  v: 1,
  type: 'report',
  pid: 7,
  seq: 1,
  provider: 'anthropic',
  status: 200,
  headers: {},
  ...o,
});

export async function piWindow() {
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  await vault.add('anthropic', 'A', { type: 'api_key', key: `${KEY_A}A` });
  await vault.add('anthropic', 'B', { type: 'api_key', key: `${KEY_A}B` });
  const lines: string[] = [];
  const log = {
    trace: () => undefined,
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(`WARN ${m}`),
    error: (m: string) => lines.push(m),
  };
  const rotation = new Rotation({
    vault,
    settings: { mode: () => 'round-robin', threshold: () => 80 },
    usage: () => undefined,
    store,
    log,
  });
  const feedback = new PiFeedback({
    vault,
    rotation,
    mode: () => 'round-robin',
    feedback: feedbackInto({ vault, rotation, usageSeen: () => undefined }),
    refresh: async () => undefined,
    tellRateLimited: () => undefined,
    log,
  });
  return { vault, rotation, feedback, lines, log, keyOf: (n: string) => fingerprint(`${KEY_A}${n}`) };
}
