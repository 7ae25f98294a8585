// Provider ids pi renamed. pi 1.0.3 renamed `azure-openai-responses` to `azure`
// (@earendil-works/pi-coding-agent CHANGELOG.md, 1.0.3: "Rename the provider key in auth.json …,
// in models.json, and in settings.json"). Accounts saved under the old id move to the new one, key
// and values as they are, so nobody signs in again. auth.json and models.json need nothing here:
// the mirrors write the new id, and remove the old entry only when it is still the one they wrote
// (its fingerprint stays in their state under the old id).
import * as z from 'zod/mini';
import { parseJson } from './json';
import { ROTATION_KEY } from './rotation/rotation';
import type { SecretStore } from './secret-store';
import { VAULT_KEY } from './vault';

export const RENAMED_PROVIDERS: Readonly<Record<string, string>> = { 'azure-openai-responses': 'azure' };

const providersOf = z.looseObject({ providers: z.record(z.string(), z.unknown()) });
const accountsOf = z.looseObject({ default: z.string(), accounts: z.array(z.unknown()) });
const nameOf = (a: unknown) => (a && typeof a === 'object' ? (a as { name?: unknown }).name : undefined);

/**
 * Moves the vault's accounts and the rotation state saved under a renamed id to the new id.
 * Accounts already under the new id stay; a moved account whose name is taken there gets "-2"
 * (then "-3", …). Returns "old → new (n accounts)" for each id moved; anything it cannot read it
 * leaves alone, for the vault to report as it always does.
 */
export async function moveRenamedProviders(store: SecretStore): Promise<string[]> {
  const moved: string[] = [];
  const raw = await store.get(VAULT_KEY);
  const vault = providersOf.safeParse(parseJson(raw));
  if (vault.success) {
    const providers = vault.data.providers;
    for (const [from, to] of Object.entries(RENAMED_PROVIDERS)) {
      const old = accountsOf.safeParse(providers[from]);
      if (!old.success) continue;
      const cur = accountsOf.safeParse(providers[to]);
      const kept = cur.success ? cur.data.accounts : [];
      const taken = new Set(kept.map(nameOf));
      const renamed = new Map<unknown, string>();
      const accounts = old.data.accounts.map((a) => {
        const name = nameOf(a);
        if (typeof name !== 'string' || !taken.has(name)) return (taken.add(name), a);
        let n = 2;
        while (taken.has(`${name}-${n}`)) n++;
        renamed.set(name, `${name}-${n}`);
        taken.add(`${name}-${n}`);
        return { ...(a as object), name: `${name}-${n}` };
      });
      providers[to] = {
        ...(cur.success ? cur.data : {}),
        default: cur.success ? cur.data.default : (renamed.get(old.data.default) ?? old.data.default),
        accounts: [...kept, ...accounts],
      };
      delete providers[from];
      moved.push(`${from} → ${to} (${accounts.length} account${accounts.length === 1 ? '' : 's'})`);
    }
    if (moved.length) await store.store(VAULT_KEY, JSON.stringify(vault.data));
  }
  const rotationRaw = await store.get(ROTATION_KEY);
  const rotation = z.record(z.string(), z.unknown()).safeParse(parseJson(rotationRaw));
  if (rotation.success && Object.keys(RENAMED_PROVIDERS).some((from) => from in rotation.data)) {
    for (const [from, to] of Object.entries(RENAMED_PROVIDERS)) {
      if (!(from in rotation.data)) continue;
      rotation.data[to] ??= rotation.data[from];
      delete rotation.data[from];
    }
    await store.store(ROTATION_KEY, JSON.stringify(rotation.data));
  }
  return moved;
}
