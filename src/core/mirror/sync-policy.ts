// The decisions of the two-way sync with auth.json, apart from the notifications that voice
// them: when to stop following the file (someone keeps undoing our writes), and when a foreign
// entry is worth asking the person about.

/** More watch-triggered writes than `writes` within `windowMs` means something undoes ours. */
export class LoopGuard {
  private writes: number[] = [];
  private pausedUntil = 0;

  constructor(
    readonly writesLimit = 5,
    readonly windowMs = 10_000,
    readonly pauseMs = 60_000,
  ) {}

  /** While paused, changes on disk are not followed. */
  paused(now: number): boolean {
    return now < this.pausedUntil;
  }

  /** Records a write made after a change on disk; true when this one starts a pause. */
  wrote(now: number): boolean {
    this.writes = [...this.writes.filter((t) => now - t < this.windowMs), now];
    if (this.writes.length < this.writesLimit) return false;
    this.pausedUntil = now + this.pauseMs;
    this.writes = [];
    return true;
  }
}

/** A small get/set port for what the person chose to keep (no secrets: fingerprints only). */
export interface KeptPort {
  get(): readonly string[];
  set(value: readonly string[]): PromiseLike<void> | void;
}

/** The last fingerprints a person chose to leave alone; older ones fall off. */
export const KEPT_LIMIT = 50;

/**
 * Which foreign auth.json entries to ask about: each content once per session, and never again
 * once the person chose "Leave It" for it.
 */
export class ConflictMemory {
  private readonly asked = new Set<string>();

  constructor(private readonly kept: KeptPort) {}

  /** True the first time an entry with this content is seen, unless it was left alone before. */
  shouldAsk(provider: string, fingerprint: string | undefined): boolean {
    if (fingerprint && this.kept.get().includes(fingerprint)) return false;
    const id = `${provider}:${fingerprint}`;
    if (this.asked.has(id)) return false;
    this.asked.add(id);
    return true;
  }

  /** "Leave It": not asked again for this content, in any window or session. */
  async keep(fingerprint: string | undefined): Promise<void> {
    if (fingerprint) await this.kept.set([...this.kept.get(), fingerprint].slice(-KEPT_LIMIT));
  }
}
