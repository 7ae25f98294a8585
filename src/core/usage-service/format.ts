import type { UsageEntry } from './scheduler';
import type { UsageSnapshot } from '../usage/usage-client';

/** Older figures are shown as stale: usage moves quickly. */
export const STALE_AFTER_MS = 15 * 60_000;

/** "5h 42% · 7d 13%": what fits in a tree row. */
export function compactUsage(s: UsageSnapshot | undefined): string | undefined {
  if (!s?.windows.length) return undefined;
  return s.windows.map((w) => `${w.label} ${w.usedPercent}%`).join(' · ');
}

/** A text bar for tooltips: 10 cells, filled by percent used. */
export function usageBar(percent: number, cells = 10): string {
  const full = Math.round((Math.max(0, Math.min(100, percent)) / 100) * cells);
  return '█'.repeat(full) + '░'.repeat(cells - full);
}

export const isExhausted = (s: UsageSnapshot | undefined) => (s?.windows ?? []).some((w) => w.usedPercent >= 100);

export function isStale(e: UsageEntry | undefined, now: number): boolean {
  return e?.snapshot !== undefined && (e.problem !== undefined || now - e.snapshot.fetchedAt > STALE_AFTER_MS);
}
