// pi's models.json as an outlet: each account's base URL and headers written beside auth.json,
// what happened logged, and a line for the account's tooltip that says whether pi gets them.
import { describe } from '../faults';
import type { Logger } from '../log';
import type { Outlet } from '../outlet';
import type { ModelsMirror } from './models-mirror';

export class ModelsFileOutlet implements Outlet {
  private problem: string | undefined;
  private queued = false;

  constructor(
    private readonly mirror: Pick<ModelsMirror, 'sync' | 'report'>,
    private readonly enabled: () => boolean,
    private readonly log: Logger,
    /** The tooltip text may have changed. */
    private readonly changed: () => void,
  ) {}

  /** Writes models.json (once for any number of calls in the same turn). */
  sync(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      void this.run();
    });
  }

  /** For the account's tooltip: whether pi gets the account's base URL and headers through models.json. */
  tooltip(provider: string): string | undefined {
    if (this.problem) return `pi does not get this account's base URL and headers: ${this.problem}`;
    const r = this.mirror.report();
    if (r?.owned.includes(provider))
      return `pi gets this account's base URL and headers from its models.json (${r.path})`;
    if (r?.conflicts.includes(provider))
      return `pi's models.json (${r.path}) sets its own base URL or headers for this provider, so pi uses those (left as they are)`;
    return undefined;
  }

  /** Writes models.json now; resolves once written (or once the failure is logged). */
  async run(): Promise<void> {
    if (!this.enabled()) return;
    try {
      const r = await this.mirror.sync();
      this.problem = undefined;
      if (r.written)
        this.log.info(
          r.owned.length
            ? `models.json updated (${r.path}): pi gets the base URL and headers of ${r.owned.join(', ')}.`
            : `models.json updated (${r.path}): no account sets its own base URL or headers.`,
        );
      if (r.conflicts.length)
        this.log.warn(`models.json sets its own base URL or headers for ${r.conflicts.join(', ')}; left as they are.`);
    } catch (e) {
      this.problem = describe(e);
      this.log.warn(this.problem);
    }
    this.changed();
  }
}
