import { extraVarsOf, keyOf } from './credentials';
import { exportVarOf, PROVIDERS } from './providers/directory';
import { defaultsOf, type ActiveAccounts } from './rotation/rotation';
import type { Vault } from './vault';

export interface ExportedVar {
  readonly variable: string;
  readonly value: string;
  readonly provider: string;
  readonly account: string;
}

/**
 * The variables new terminals get: each provider's active key under its variable, with the
 * values it needs beside it and its base URL where pi or the SDK reads one. Providers
 * that share one (opencode / opencode-go, moonshotai / -cn, the two Cloudflare ids) cannot both
 * have it: the one listed first in the directory wins, so the choice never flips between runs.
 */
export function terminalVariables(vault: Vault, active: ActiveAccounts = defaultsOf(vault)): ExportedVar[] {
  const out = new Map<string, ExportedVar>();
  for (const p of PROVIDERS) {
    const account = active.active(p.id);
    const cred = account && !account.needsSignIn ? vault.credential(p.id, account.name) : undefined;
    if (!account || !cred) continue;
    const vars: Record<string, string> = { ...extraVarsOf(cred) };
    const keyVar = cred.type === 'env' ? undefined : exportVarOf(p, cred.type);
    if (keyVar && keyOf(cred)) vars[keyVar] = keyOf(cred);
    if (p.baseUrlVar && account.baseUrl) vars[p.baseUrlVar] = account.baseUrl;
    for (const [variable, value] of Object.entries(vars)) {
      if (!out.has(variable)) out.set(variable, { variable, value, provider: p.id, account: account.name });
    }
  }
  return [...out.values()];
}
