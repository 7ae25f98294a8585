import { createHash } from 'node:crypto';
import { parseJson } from '../json';
import * as z from 'zod/mini';
import type { SecretStore } from '../secret-store';

// Which auth.json entries we wrote, as a fingerprint of the exact entry, per file. An entry whose
// fingerprint no longer matches was changed by someone else and is theirs again. Kept in
// SecretStorage: a hash of a key is not the key, but it has no business in plain settings either.
// `accounts` says which account each owned entry was written for, so tokens pi refreshed in that
// entry are only ever adopted by that same account.
const perFile = z.record(z.string(), z.record(z.string(), z.string()));
const stateSchema = z.object({ owned: perFile, accounts: z.optional(perFile) });
export type MirrorState = z.infer<typeof stateSchema>;
export const MIRROR_STATE_KEY = 'piAccounts.mirror.v1';

export class MirrorStateStore {
  constructor(private readonly store: SecretStore) {}

  async read(): Promise<MirrorState> {
    const raw = await this.store.get(MIRROR_STATE_KEY);
    const parsed = stateSchema.safeParse(parseJson(raw));
    // Unreadable ownership means we own nothing: the safe side.
    return parsed.success ? parsed.data : { owned: {} };
  }

  async write(state: MirrorState): Promise<void> {
    await this.store.store(MIRROR_STATE_KEY, JSON.stringify(state));
  }
}

/** Order-independent hash of one auth.json entry. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
