import * as z from 'zod/mini';
import { USER_AGENT, type HttpOptions } from '../http';
import { parseJson } from '../json';
import { undici } from '../undici';
import type { ModelSpec } from './chat';
import { curated, DEFAULT_MODEL } from './curated';

export interface ModelCachePort {
  get(): unknown;
  set(value: unknown): PromiseLike<void> | void;
}

const DAY = 24 * 60 * 60 * 1000;
/** What a listing may add to pi's models and keep in VS Code's global state (the picker shows ~50). */
export const MAX_LISTED = 200;
/** The most of a listing read; a larger answer is refused unread beyond it. */
export const MAX_LIST_BYTES = 1024 * 1024;
/** A model id as providers name them ("llama-3.3-70b", "openai/gpt-oss-120b", "@cf/meta/llama-3:8b", OpenRouter's "~anthropic/claude-opus-latest"). */
const ID = /^[A-Za-z0-9@~][A-Za-z0-9._:/@+~-]{0,127}$/;
export const isModelId = (id: unknown): id is string => typeof id === 'string' && ID.test(id);
/** pi's catalog bounds how many of pi's own ids a per-key listing keeps (pi-ai 1.6.1: 412 for OpenRouter). */
const MAX_KNOWN = 2000;
/**
 * Well-formed ids, each once: of pi's own (`known`, taken as pi has them) at most MAX_KNOWN, of
 * the others at most MAX_LISTED. What a listing (or the stored cache) may hold.
 */
const boundedIds = (ids: readonly unknown[], known: ReadonlySet<string> = new Set()): string[] => {
  const all = [...new Set(ids.filter(isModelId))].sort();
  return [
    ...all.filter((id) => known.has(id)).slice(0, MAX_KNOWN),
    ...all.filter((id) => !known.has(id)).slice(0, MAX_LISTED),
  ];
};
const cacheSchema = z.record(
  z.string(),
  z.object({ at: z.number(), ids: z.array(z.string()), perKey: z.optional(z.boolean()) }),
);
const listSchema = z.object({ data: z.array(z.object({ id: z.unknown() })) });
// No listing: Cloudflare Workers AI documents no OpenAI-style /models under its account URL
// (developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/).
const NO_LISTING = new Set(['cloudflare-workers-ai']);
// Listings of the models a key may use, which narrow pi's catalog to them (as pi does):
// OpenRouter's GET /models/user (`personalizeOpenRouterCatalog`, @earendil-works/pi-ai 1.6.1
// dist/providers/openrouter.js; used by pi-coding-agent 1.6.0's model runtime). A refusal of the
// listing (401, 403, 404: a proxy without it) leaves pi's catalog as it is.
const PER_KEY: Readonly<Record<string, string>> = { openrouter: '/models/user' };
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
      // A per-key listing is kept in its order (pi's ids first), bounded as its fetch bounds it.
      const ids = entry.perKey
        ? [...new Set(entry.ids.filter(isModelId))].slice(0, MAX_KNOWN + MAX_LISTED)
        : boundedIds(entry.ids);
      if (ids.length !== entry.ids.length || ids.some((id, i) => id !== entry.ids[i])) {
        this.cache[provider] = { ...entry, ids };
        trimmed = true;
      }
    }
    if (trimmed) void Promise.resolve(port.set(this.cache)).catch(() => undefined);
  }

  /**
   * pi's models (`builtIn`), then ids only the provider's list names, with the first model's limits.
   * A per-key listing (OpenRouter's) keeps only pi's models the key may use, the curated few chosen
   * again among them; one that names none of pi's models changes nothing (a proxy's odd list).
   */
  models(provider: string, builtIn: readonly ModelSpec[]): ModelSpec[] {
    const entry = this.cache[provider];
    const listed = new Set(entry?.ids ?? []);
    const narrowed = entry?.perKey ? builtIn.filter((m) => listed.has(m.id)) : [];
    const own = narrowed.length ? reCurated(provider, narrowed) : builtIn;
    const first = own[0];
    if (!first) return [];
    const extra = [...listed]
      .filter((id) => isModelId(id) && !builtIn.some((m) => m.id === id))
      .slice(0, 50)
      .map((id) => ({ ...first, id, name: id, selectable: false, isDefault: false }));
    return [...own, ...extra];
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
      run = this.fetch(provider, builtIn, url, key, http).finally(() => this.inflight.delete(provider));
      this.inflight.set(provider, run);
    }
    return run;
  }

  private async fetch(
    provider: string,
    builtIn: readonly ModelSpec[],
    baseUrl: string,
    key: string,
    http: HttpOptions,
  ): Promise<boolean> {
    const perKey = PER_KEY[provider];
    try {
      const res = await listing(`${baseUrl.replace(/\/+$/, '')}${perKey ?? '/models'}`, key, http);
      const parsed = listSchema.safeParse(res.json);
      if (res.status !== 200 || !parsed.success) return false;
      // Only well-formed ids, each once, and a bounded number of them reach the cache: of a
      // per-key list, pi's models it names first (their ids as pi has them), then the others.
      const ids = boundedIds(
        parsed.data.data.map((m) => m.id),
        new Set(perKey ? builtIn.map((m) => m.id) : []),
      );
      const changed = JSON.stringify(ids) !== JSON.stringify(this.cache[provider]?.ids);
      this.cache[provider] = { at: this.now(), ids, ...(perKey ? { perKey: true } : {}) };
      await this.port.set(this.cache);
      return changed;
    } catch {
      return false;
    }
  }
}

/** The models left after a per-key listing, with pi's default first and the curated few among them. */
function reCurated(provider: string, models: readonly ModelSpec[]): ModelSpec[] {
  const picked = curated(models, DEFAULT_MODEL[provider]);
  return models.map((m) => ({ ...m, selectable: picked.has(m.id) }));
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
