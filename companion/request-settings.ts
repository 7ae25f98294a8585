// A switch reaches a running pi whole. pi reads models.json once, at start (its ModelRuntime
// keeps that configuration immutable: @earendil-works/pi-coding-agent 1.6.0 CHANGELOG 0.80.8),
// so after Pi Accounts wrote another account's base URL and headers there, pi would send the new
// key (auth.json, which pi 1.x re-reads by itself) to the old endpoint with the old headers. The
// companion re-reads models.json when Pi Accounts says it switched, and applies what changed for
// a provider through pi.registerProvider(id, { baseUrl, headers }), which takes effect at once
// and wins over models.json (docs/custom-provider.md "Redirect an existing provider"); headers
// models.json gave pi at start that the account no longer has are dropped per request.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Fields = { baseUrl?: string; headers?: Record<string, string> };
interface Pi {
  registerProvider(id: string, config: { baseUrl?: string; headers?: Record<string, string> }): void;
  unregisterProvider?(id: string): void;
}

/** models.json in pi's agent directory (PI_CODING_AGENT_DIR, else ~/.pi/agent), as pi finds it. */
export const modelsJsonPath = (env = process.env): string =>
  join(env.PI_CODING_AGENT_DIR?.replace(/^~(?=$|\/)/, homedir()) || join(homedir(), '.pi', 'agent'), 'models.json');

function read(path: string): Record<string, Fields> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? {} : undefined; // unreadable: change nothing
  }
  const providers = (json as { providers?: unknown } | null)?.providers;
  if (!providers || typeof providers !== 'object') return {};
  const out: Record<string, Fields> = {};
  for (const [id, v] of Object.entries(providers as Record<string, unknown>)) {
    const e = (v ?? {}) as { baseUrl?: unknown; headers?: unknown };
    const headers =
      e.headers && typeof e.headers === 'object'
        ? Object.fromEntries(Object.entries(e.headers).filter(([, x]) => typeof x === 'string'))
        : undefined;
    out[id] = {
      ...(typeof e.baseUrl === 'string' ? { baseUrl: e.baseUrl } : {}),
      ...(headers && Object.keys(headers).length ? { headers: headers } : {}),
    };
  }
  return out;
}

const same = (a: Fields = {}, b: Fields = {}) =>
  a.baseUrl === b.baseUrl &&
  JSON.stringify(Object.entries(a.headers ?? {}).sort()) === JSON.stringify(Object.entries(b.headers ?? {}).sort());

export class RequestSettings {
  /** What pi read at start, and keeps using unless told otherwise. */
  private readonly atStart: Record<string, Fields>;
  private current: Record<string, Fields>;
  private readonly applied = new Map<string, Fields>();

  constructor(
    private readonly pi: Pi,
    private readonly path = modelsJsonPath(),
    /** The provider's own base URL, for an account that has none where the one at start had. */
    private readonly builtinBaseUrl: (provider: string) => string | undefined = () => undefined,
  ) {
    this.atStart = read(path) ?? {};
    this.current = this.atStart;
  }

  /** Re-reads models.json and applies each provider's base URL and headers that differ from pi's. */
  apply(): string[] {
    const now = read(this.path);
    if (!now) return [];
    this.current = now;
    const changed: string[] = [];
    for (const id of new Set([...Object.keys(this.atStart), ...Object.keys(now), ...this.applied.keys()])) {
      const want = now[id] ?? {};
      if (same(want, this.atStart[id])) {
        if (this.applied.delete(id)) {
          this.pi.unregisterProvider?.(id);
          changed.push(id);
        }
        continue;
      }
      if (this.applied.has(id) && same(want, this.applied.get(id))) continue;
      const baseUrl = want.baseUrl ?? this.builtinBaseUrl(id);
      try {
        this.pi.registerProvider(id, { ...(baseUrl ? { baseUrl } : {}), headers: want.headers ?? {} });
        this.applied.set(id, want);
        changed.push(id);
      } catch {
        // pi refused the registration: it keeps what it has
      }
    }
    return changed;
  }

  /** Removes from a request's headers those models.json gave pi at start that the account in use no longer has. */
  dropStale(provider: string, headers: Record<string, string | null>): void {
    const keep = this.current[provider]?.headers ?? {};
    for (const name of Object.keys(this.atStart[provider]?.headers ?? {})) if (!(name in keep)) headers[name] = null;
  }
}
