import * as z from 'zod/mini';
import { getJson, type HttpOptions } from '../http';
import type { ModelSpec } from './chat';

export interface ModelCachePort {
  get(): unknown;
  set(value: unknown): PromiseLike<void> | void;
}

const DAY = 24 * 60 * 60 * 1000;
const cacheSchema = z.record(z.string(), z.object({ at: z.number(), ids: z.array(z.string()) }));
const listSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/**
 * The models of a provider: pi's registry, plus what its OpenAI-compatible /models endpoint lists
 * (fetched at most once a day, cached without secrets). A failing endpoint changes nothing.
 */
export class ModelList {
  private cache: z.infer<typeof cacheSchema>;
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly port: ModelCachePort,
    private readonly now: () => number = Date.now,
  ) {
    const parsed = cacheSchema.safeParse(port.get());
    this.cache = parsed.success ? parsed.data : {};
  }

  /** pi's models (`builtIn`), then ids only the provider's list names, with the first model's limits. */
  models(provider: string, builtIn: readonly ModelSpec[]): ModelSpec[] {
    const first = builtIn[0];
    if (!first) return [];
    const extra = (this.cache[provider]?.ids ?? [])
      .filter((id) => !builtIn.some((m) => m.id === id))
      .slice(0, 50)
      .map((id) => ({ ...first, id, name: id }));
    return [...builtIn, ...extra];
  }

  /** Fetches a Chat Completions provider's list when the cached one is older than a day; resolves true if it changed. */
  refresh(
    provider: string,
    builtIn: readonly ModelSpec[],
    baseUrl: string | undefined,
    key: string,
    http: HttpOptions = {},
  ): Promise<boolean> {
    const at = this.cache[provider]?.at;
    const first = builtIn[0];
    if (first?.api !== 'openai-completions' || (at !== undefined && this.now() - at < DAY))
      return Promise.resolve(false);
    const url = baseUrl ?? first.baseUrl;
    let run = this.inflight.get(provider);
    if (!run) {
      run = this.fetch(provider, url, key, http).finally(() => this.inflight.delete(provider));
      this.inflight.set(provider, run);
    }
    return run;
  }

  private async fetch(provider: string, baseUrl: string, key: string, http: HttpOptions): Promise<boolean> {
    try {
      const res = await getJson(`${baseUrl.replace(/\/+$/, '')}/models`, {
        timeoutMs: 10_000,
        ...http,
        headers: { authorization: `Bearer ${key}` },
      });
      const parsed = listSchema.safeParse(res.json);
      if (res.status !== 200 || !parsed.success) return false;
      const ids = parsed.data.data.map((m) => m.id).sort();
      const changed = JSON.stringify(ids) !== JSON.stringify(this.cache[provider]?.ids);
      this.cache[provider] = { at: this.now(), ids };
      await this.port.set(this.cache);
      return changed;
    } catch {
      return false;
    }
  }
}
