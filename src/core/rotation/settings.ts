import * as z from 'zod/mini';
import type { RotationMode } from './policy';
import type { RotationSettings } from './rotation';
import { DEFAULT_MAX_IN_FLIGHT } from './balancer';

/** The guardrail's default: a few switches an hour are rotation, more would be hopping. */
export const DEFAULT_MAX_SWITCHES_PER_HOUR = 4;

const modeSchema = z.enum(['manual', 'round-robin', 'usage-based', 'balancer']);
const modesSchema = z.record(z.string(), modeSchema);

/** The rotation settings as the configuration holds them, unchecked. */
export interface RawRotationSettings {
  readonly mode: unknown;
  readonly modes: unknown;
  readonly threshold: unknown;
  readonly maxSwitchesPerHour?: unknown;
  readonly maxInFlightPerAccount?: unknown;
}

/**
 * Settings are typed input like any other: a wrong value falls back to the safe default. They
 * are checked on first use and again on `reload()` (on a configuration change), not on every
 * lookup: the active account is asked for on every key request. Not in the constructor: it runs
 * in `activate()`, before anything needs them.
 */
export class CachedRotationSettings implements RotationSettings {
  private loaded = false;
  private global: RotationMode = 'manual';
  private modes = new Map<string, RotationMode>();
  private percent = 80;
  private maxSwitches = DEFAULT_MAX_SWITCHES_PER_HOUR;
  private inFlight = DEFAULT_MAX_IN_FLIGHT;

  constructor(private readonly source: () => RawRotationSettings) {}

  reload(): void {
    this.loaded = true;
    const raw = this.source();
    const global = modeSchema.safeParse(raw.mode);
    const modes = modesSchema.safeParse(raw.modes);
    this.global = global.success ? global.data : 'manual';
    this.modes = new Map(modes.success ? Object.entries(modes.data) : []);
    const t = raw.threshold;
    this.percent = typeof t === 'number' && t > 0 && t <= 100 ? t : 80;
    const m = raw.maxSwitchesPerHour;
    this.maxSwitches = typeof m === 'number' && Number.isInteger(m) && m >= 0 ? m : DEFAULT_MAX_SWITCHES_PER_HOUR;
    const f = raw.maxInFlightPerAccount;
    this.inFlight = typeof f === 'number' && Number.isInteger(f) && f >= 1 ? f : DEFAULT_MAX_IN_FLIGHT;
  }

  maxInFlightPerAccount(): number {
    if (!this.loaded) this.reload();
    return this.inFlight;
  }

  maxSwitchesPerHour(): number {
    if (!this.loaded) this.reload();
    return this.maxSwitches;
  }

  mode(provider: string): RotationMode {
    if (!this.loaded) this.reload();
    return this.modes.get(provider) ?? this.global;
  }

  threshold(): number {
    if (!this.loaded) this.reload();
    return this.percent;
  }
}
