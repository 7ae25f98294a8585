import { apiKeyProblem, keyTail, type Credential } from './credentials';
import { PROVIDERS } from './providers/directory';
import type { Vault } from './vault';

export interface EnvSource {
  /** Shown to the person: where the value was found. */
  readonly name: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface EnvCandidate {
  readonly provider: string;
  readonly variable: string;
  readonly source: string;
  readonly keyTail: string;
  readonly credential: Credential;
}

export interface EnvScan {
  readonly candidates: readonly EnvCandidate[];
  readonly skipped: readonly { provider: string; variable: string; why: string }[];
}

/**
 * Keys already set in an environment (VS Code's own, the login shell's) that are not accounts
 * yet, one per provider in pi's order of precedence. A variable several providers read
 * (MOONSHOT_API_KEY, OPENCODE_API_KEY, CLOUDFLARE_API_KEY) is offered for the first of them
 * only. Providers that need more values get those that are set alongside the key.
 */
export function scanEnvironment(sources: readonly EnvSource[], vault: Vault): EnvScan {
  const known = new Set(vault.secrets());
  const offered = new Set<string>();
  const candidates: EnvCandidate[] = [];
  const skipped: { provider: string; variable: string; why: string }[] = [];
  for (const p of PROVIDERS) {
    for (const variable of p.envVars) {
      const found = sources.map((s) => ({ source: s.name, value: s.env[variable]?.trim() ?? '' })).find((x) => x.value);
      if (!found || offered.has(variable)) continue;
      offered.add(variable);
      if (known.has(found.value)) break; // already an account
      const problem = apiKeyProblem(found.value);
      if (problem) {
        skipped.push({ provider: p.id, variable, why: problem });
        break;
      }
      const form = p.forms?.find((f) => f.key?.variable === variable);
      const env: Record<string, string> = {};
      for (const field of form?.fields ?? []) {
        const v = sources.map((s) => s.env[field.variable]?.trim()).find(Boolean);
        if (v && !field.check?.(v)) Object.assign(env, field.derive ? field.derive(v) : { [field.variable]: v });
      }
      const credential: Credential = Object.keys(env).length
        ? { type: 'api_key', key: found.value, env }
        : { type: 'api_key', key: found.value };
      candidates.push({ provider: p.id, variable, source: found.source, keyTail: keyTail(found.value), credential });
      break;
    }
  }
  return { candidates, skipped };
}
