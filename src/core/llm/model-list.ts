import * as z from 'zod/mini';
import { USER_AGENT, type HttpOptions } from '../http';
import { parseJson } from '../json';
import { undici } from '../undici';
import type { ModelSpec } from './chat';

export interface ModelCachePort {
  get(): unknown;
  set(value: unknown): PromiseLike<void> | void;
}

const DAY = 24 * 60 * 60 * 1000;
/** What a listing may add to pi's models and keep in VS Code's global state (the picker shows ~50). */
export const MAX_LISTED = 200;
/** The most of a listing read; a larger answer is refused unread beyond it. */
export const MAX_LIST_BYTES = 1024 * 1024;
/** A model id as providers name them ("llama-3.3-70b", "openai/gpt-oss-120b", "@cf/meta/llama-3:8b"). */
const ID = /^[A-Za-z0-9@][A-Za-z0-9._:/@+~-]{0,127}$/;
export const isModelId = (id: unknown): id is string => typeof id === 'string' && ID.test(id);
/** Well-formed ids, each once, at most MAX_LISTED of them: what a listing (or the stored cache) may hold. */
const boundedIds = (ids: readonly unknown[]): string[] =>
  [...new Set(ids.filter(isModelId))].sort().slice(0, MAX_LISTED);
const cacheSchema = z.record(z.string(), z.object({ at: z.number(), ids: z.array(z.string()) }));
const listSchema = z.object({ data: z.array(z.object({ id: z.unknown() })) });
// No listing: Cloudflare Workers AI documents no OpenAI-style /models under its account URL
// (developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/).
const NO_LISTING = new Set(['cloudflare-workers-ai']);
/** A base URL with a `{VAR}` placeholder nothing filled: never requested. */
const unfilled = (url: string) => /\{[A-Z_][A-Z0-9_]*\}|%7B[A-Z_][A-Z0-9_]*%7D/i.test(url);

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
    // The stored cache is read as a listing is: a state written by another version (or edited)
    // holds no more than a listing may, and a trimmed one is written back.
    let trimmed = false;
    for (const [provider, entry] of Object.entries(this.cache)) {
      const ids = boundedIds(entry.ids);
      if (ids.length !== entry.ids.length || ids.some((id, i) => id !== entry.ids[i])) {
        this.cache[provider] = { at: entry.at, ids };
        trimmed = true;
      }
    }
    if (trimmed) void Promise.resolve(port.set(this.cache)).catch(() => undefined);
  }

  /** pi's models (`builtIn`), then ids only the provider's list names, with the first model's limits. */
  models(provider: string, builtIn: readonly ModelSpec[]): ModelSpec[] {
    const first = builtIn[0];
    if (!first) return [];
    const extra = (this.cache[provider]?.ids ?? [])
      .filter((id) => isModelId(id) && !builtIn.some((m) => m.id === id))
      .slice(0, 50)
      .map((id) => ({ ...first, id, name: id, selectable: false, isDefault: false }));
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
    const url = baseUrl ?? first?.baseUrl ?? '';
    if (
      first?.api !== 'openai-completions' ||
      NO_LISTING.has(provider) ||
      unfilled(url) ||
      (at !== undefined && this.now() - at < DAY)
    )
      return Promise.resolve(false);
    let run = this.inflight.get(provider);
    if (!run) {
      run = this.fetch(provider, url, key, http).finally(() => this.inflight.delete(provider));
      this.inflight.set(provider, run);
    }
    return run;
  }

  private async fetch(provider: string, baseUrl: string, key: string, http: HttpOptions): Promise<boolean> {
    try {
      const res = await listing(`${baseUrl.replace(/\/+$/, '')}/models`, key, http);
      const parsed = listSchema.safeParse(res.json);
      if (res.status !== 200 || !parsed.success) return false;
      // Only well-formed ids, each once, and a bounded number of them reach the cache.
      const ids = boundedIds(parsed.data.data.map((m) => m.id));
      const changed = JSON.stringify(ids) !== JSON.stringify(this.cache[provider]?.ids);
      this.cache[provider] = { at: this.now(), ids };
      await this.port.set(this.cache);
      return changed;
    } catch {
      return false;
    }
  }
}

/** GET the listing, reading at most MAX_LIST_BYTES: a larger answer counts as a failure, unread past the cap. */
async function listing(url: string, key: string, http: HttpOptions): Promise<{ status: number; json: unknown }> {
  const res = await undici().request(url, {
    method: 'GET',
    headers: { accept: 'application/json', 'user-agent': USER_AGENT, authorization: `Bearer ${key}` },
    dispatcher: http.dispatcher,
    signal: AbortSignal.timeout(http.timeoutMs ?? 10_000),
    headersTimeout: http.timeoutMs ?? 10_000,
    bodyTimeout: http.timeoutMs ?? 10_000,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LIST_BYTES) {
      res.body.destroy();
      return { status: res.statusCode, json: undefined };
    }
    chunks.push(chunk);
  }
  return { status: res.statusCode, json: parseJson(Buffer.concat(chunks).toString('utf8')) };
}
