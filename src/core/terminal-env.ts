import { extraVarsOf, keyOf, type Credential } from './credentials';
import type { SecretRef } from './secret-ref';
import { exportVarOf, PROVIDERS } from './providers/directory';
import { deploymentMap } from './providers/azure-openai';
import type { InUseAccounts } from './rotation/rotation';
import type { Vault } from './vault';

export interface ExportedVar {
  readonly variable: string;
  /** Empty: a variable the terminals inherit, cleared so that it does not win over this account. */
  readonly value: string;
  readonly provider: string;
  readonly account: string;
}

/** Variable → the provider whose account it goes to when several have one (a setting). */
export type SharedChoice = Readonly<Record<string, string>>;

/** Variables two providers read (MOONSHOT_API_KEY, OPENCODE_API_KEY, CLOUDFLARE_API_KEY) → those providers, in directory order. */
export function sharedVariables(): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  for (const p of PROVIDERS)
    for (const v of new Set([...p.envVars, ...(p.exportVar ? [p.exportVar] : [])])) (by[v] ??= []).push(p.id);
  return Object.fromEntries(Object.entries(by).filter(([, ids]) => ids.length > 1));
}

/**
 * The variables new terminals get: each provider's active key under its variable, with the
 * values it needs beside it and its base URL where pi or the SDK reads one. Providers
 * that share one (opencode / opencode-go, moonshotai / -cn, the two Cloudflare ids) cannot both
 * have it: the one `choice` names wins (with all its values), else the one listed first in the directory, so the
 * choice never flips between runs.
 */
export function terminalVariables(
  vault: Vault,
  inUse: InUseAccounts,
  choice: SharedChoice = {},
  /** A key kept in a password manager, as read lately (undefined: not read, or no longer held). */
  refValue: (ref: SecretRef) => string | undefined = () => undefined,
  /** The environment terminals inherit (the extension host's). */
  inherited: Readonly<Record<string, string | undefined>> = {},
): ExportedVar[] {
  const out = new Map<string, ExportedVar>();
  // A chosen provider goes first, so it gets all its values, not its key beside another's account id.
  const chosen = new Set(Object.values(choice));
  for (const p of [...PROVIDERS.filter((x) => chosen.has(x.id)), ...PROVIDERS.filter((x) => !chosen.has(x.id))]) {
    const account = inUse.inUse(p.id);
    const cred = account && !account.needsSignIn ? vault.credential(p.id, account.name) : undefined;
    if (!account || !cred) continue;
    const vars: Record<string, string> = { ...extraVarsOf(cred) };
    const key = terminalKey(cred, refValue);
    const keyVar = cred.type === 'env' ? undefined : exportVarOf(p, cred.type === 'ref' ? 'api_key' : cred.type, key);
    if (keyVar && key) {
      vars[keyVar] = key;
      // pi reads a provider's variables in order and takes the first set (@earendil-works/pi-ai
      // 1.6.1 providers/anthropic.js: ANTHROPIC_AUTH_TOKEN as a bearer, then ANTHROPIC_OAUTH_TOKEN,
      // then ANTHROPIC_API_KEY): one set earlier where terminals inherit it would win over the
      // account in use, so it is cleared there (pi and the SDKs read an empty value as unset).
      for (const v of p.envVars.slice(0, Math.max(0, p.envVars.indexOf(keyVar))))
        if (inherited[v] && !(v in vars)) vars[v] = '';
    }
    if (p.baseUrlVar && account.baseUrl) vars[p.baseUrlVar] = account.baseUrl;
    // pi reads "model=deployment,model2=deployment2" (pi-ai 0.73.1 azure-openai-responses.js
    // parseDeploymentNameMap); accounts saved before stored JSON, which pi reads as no map at all.
    if (vars.AZURE_OPENAI_DEPLOYMENT_NAME_MAP)
      vars.AZURE_OPENAI_DEPLOYMENT_NAME_MAP =
        deploymentMap(vars.AZURE_OPENAI_DEPLOYMENT_NAME_MAP) ?? vars.AZURE_OPENAI_DEPLOYMENT_NAME_MAP;
    for (const [variable, value] of Object.entries(vars)) {
      if (!out.has(variable)) out.set(variable, { variable, value, provider: p.id, account: account.name });
    }
  }
  return [...out.values()];
}

function terminalKey(cred: Credential, refValue: (ref: SecretRef) => string | undefined): string {
  return cred.type === 'ref' ? (refValue(cred.ref) ?? '') : keyOf(cred);
}

/** The references of the accounts in use: what to read before terminals are given their keys. */
export function refsInUse(vault: Vault, active: InUseAccounts): SecretRef[] {
  const out: SecretRef[] = [];
  for (const p of PROVIDERS) {
    const account = active.inUse(p.id);
    const cred = account && !account.needsSignIn ? vault.credential(p.id, account.name) : undefined;
    if (cred?.type === 'ref') out.push(cred.ref);
  }
  return out;
}
