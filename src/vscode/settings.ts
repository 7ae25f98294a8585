import * as vscode from 'vscode';
import * as z from 'zod/mini';
import type { RotationMode } from '../core/rotation/policy';
import type { RotationSettings } from '../core/rotation/rotation';

const modeSchema = z.enum(['manual', 'round-robin', 'usage-based']);
const overridesSchema = z.record(z.string(), modeSchema);

const config = () => vscode.workspace.getConfiguration('piAccounts');

/** Settings are typed input like any other: a wrong value falls back to the safe default. */
export const rotationSettings: RotationSettings = {
  mode(provider: string): RotationMode {
    const overrides = overridesSchema.safeParse(config().get('rotation.overrides'));
    const own = overrides.success ? overrides.data[provider] : undefined;
    const global = modeSchema.safeParse(config().get('rotation.mode'));
    return own ?? (global.success ? global.data : 'manual');
  },
  threshold(): number {
    const t = config().get<number>('rotation.threshold', 80);
    return typeof t === 'number' && t > 0 && t <= 100 ? t : 80;
  },
};

export const QUOTA_INTERVAL_MS = 5 * 60_000;
