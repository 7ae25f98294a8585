import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

// pi expands only a bare "~" or a leading "~/" (config.ts); do the same so we land on its file.
function expandTilde(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

/** auth.json as pi finds it: the setting, else $PI_CODING_AGENT_DIR/auth.json, else ~/.pi/agent/auth.json. */
export function resolveAuthPath(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = setting?.trim();
  if (explicit) {
    const p = expandTilde(explicit);
    return isAbsolute(p) ? p : resolve(homedir(), p);
  }
  const agentDir = env.PI_CODING_AGENT_DIR?.trim();
  if (agentDir) return join(resolve(expandTilde(agentDir)), 'auth.json');
  return join(homedir(), '.pi', 'agent', 'auth.json');
}
