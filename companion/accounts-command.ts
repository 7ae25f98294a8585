// pi's `/accounts`: the current provider's accounts as Pi Accounts holds them (in use, usage,
// health, rest), and a switch by choosing one; plus a footer status ("🔑 work 2/3 · 5h 42%")
// kept current on every switch. Everything comes from the Pi Accounts window over the channel:
// the window switches (so auth.json, terminals and its view follow), writes auth.json, and
// answers; pi's next request then carries the new account. With no window listening, `/accounts`
// says so and changes nothing.
// pi's extension UI API (@earendil-works/pi-coding-agent 1.6.0 docs/extensions.md:
// pi.registerCommand, ctx.ui.select / notify / setStatus, ctx.hasUI; the same calls exist in
// 0.73.1). In RPC mode these become extension_ui_request records (docs/rpc-extension-ui.md).
import type { ExtensionAPI, ExtensionContext } from '@mariozechner/pi-coding-agent' with {
  'resolution-mode': 'import',
};
import { ACCOUNTS_PROTOCOL, type AccountRow, type AccountsAnswer } from '../src/core/pi-link/protocol';
import type { Link } from './link';

export const STATUS_KEY = 'pi-accounts';
/** How long `/accounts` looks for a window before it says none is listening. */
const REACH_MS = 2000;

export const NOT_LISTENING =
  'Pi Accounts is not listening: no VS Code window with Pi Accounts is open on this machine. Open VS Code (Pi Accounts connects by itself), then type /accounts again. pi keeps the account auth.json holds.';
export const NO_ANSWER =
  'Pi Accounts did not answer (its window may be busy, or older than this companion): try /accounts again, or update Pi Accounts.';

type Ui = ExtensionContext['ui'];

const percent = (r: AccountRow) => r.usage.map((u) => `${u.label} ${Math.round(u.usedPercent)}%`).join(' · ');
const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** One line per account in the picker: "● work · in use · 5h 42% · health 96 % · rests until 14:05 (…)". */
export function rowText(r: AccountRow): string {
  const parts = [
    r.inUse ? 'in use' : undefined,
    r.usage.length ? percent(r) : undefined,
    r.health !== undefined ? `health ${r.health} %` : undefined,
    r.disabled
      ? `disabled: ${r.hold ?? 'until you act'}`
      : r.hold
        ? `${r.until ? `rests until ${clock(r.until)}` : 'rests'} (${r.hold})`
        : undefined,
  ];
  return [`${r.inUse ? '●' : '○'} ${r.name}`, ...parts.filter(Boolean)].join(' · ');
}

/** The footer: "🔑 work 2/3 · 5h 42%" (the fullest usage window), or nothing without an account in use. */
export function footerText(a: AccountsAnswer): string | undefined {
  const i = a.accounts.findIndex((r) => r.inUse);
  if (i < 0) return undefined;
  const r = a.accounts[i];
  const used = r.usage[0] ? ` · ${r.usage[0].label} ${Math.round(r.usage[0].usedPercent)}%` : '';
  const rest = r.disabled ? ' · disabled' : r.hold ? ' · resting' : '';
  return `🔑 ${r.name} ${i + 1}/${a.accounts.length}${used}${rest}`;
}

export class AccountsCommand {
  /** The last UI pi gave a handler: the footer is redrawn from the channel's events too. */
  private ui?: Ui;
  private provider?: string;

  constructor(
    private readonly pi: ExtensionAPI,
    private readonly link: Link,
    private readonly seq: () => number,
    /** The window switched the account: pi applies it before its next request. */
    private readonly switched: () => void,
  ) {}

  /** Adds `/accounts` where pi's API has commands (degrades to the footer alone, or nothing). */
  register(): void {
    if (typeof (this.pi as Partial<ExtensionAPI>).registerCommand !== 'function') return;
    this.pi.registerCommand('accounts', {
      description: "Pi Accounts: this provider's accounts (in use, usage, health); choose one to switch",
      handler: (args, ctx) => this.run(args, ctx),
    });
  }

  /** Remembers where the footer is and for which provider; redraws it when either changed. */
  seen(ctx: ExtensionContext): void {
    const provider = ctx.model?.provider;
    const changed = provider !== this.provider || !this.ui;
    this.ui = ctx.hasUI ? ctx.ui : undefined;
    this.provider = provider;
    if (changed) void this.refresh();
  }

  /** Redraws the footer from the window's answer (after a switch, a model change, a connect). */
  async refresh(): Promise<void> {
    const ui = this.ui;
    const provider = this.provider;
    if (!ui?.setStatus || !provider) return;
    const a = this.link.connected()
      ? await this.link.ask({ v: ACCOUNTS_PROTOCOL, type: 'accounts', pid: process.pid, seq: this.seq(), provider })
      : undefined;
    if (provider !== this.provider) return; // the model changed meanwhile: that refresh draws it
    try {
      ui.setStatus(STATUS_KEY, a ? footerText(a) : undefined);
    } catch {
      // a footer pi cannot draw is no reason to fail anything
    }
  }

  private async run(args: string, ctx: ExtensionContext): Promise<void> {
    this.seen(ctx);
    const notify = (m: string, level: 'info' | 'warning' | 'error' = 'info') => ctx.ui.notify(m, level);
    const provider = ctx.model?.provider;
    if (!provider) return notify('No model is chosen yet: pick one with /model, then /accounts lists its accounts.');
    if (!(await this.link.reach(REACH_MS))) {
      ctx.ui.setStatus?.(STATUS_KEY, undefined);
      return notify(NOT_LISTENING, 'warning');
    }
    const list = await this.link.ask({
      v: ACCOUNTS_PROTOCOL,
      type: 'accounts',
      pid: process.pid,
      seq: this.seq(),
      provider,
    });
    if (!list) return notify(NO_ANSWER, 'warning');
    if (!list.accounts.length)
      return notify(
        `Pi Accounts holds no ${list.label} account: add one in VS Code (Pi Accounts: Sign In), then type /accounts again.`,
        'warning',
      );
    let choice = args.trim() || undefined;
    if (!choice) {
      const options = list.accounts.map(rowText);
      if (!ctx.hasUI) return notify(`${list.label} accounts in Pi Accounts:\n${options.join('\n')}`);
      const picked = await ctx.ui.select(`${list.label} accounts (Pi Accounts): choose one to use`, options);
      if (picked === undefined) return;
      choice = list.accounts[options.indexOf(picked)]?.name;
      if (!choice) return;
    }
    const used = await this.link.ask({
      v: ACCOUNTS_PROTOCOL,
      type: 'use',
      pid: process.pid,
      seq: this.seq(),
      provider,
      account: choice,
    });
    if (!used) return notify(NO_ANSWER, 'warning');
    if (used.ok) this.switched();
    notify(used.message, used.ok ? 'info' : 'warning');
    await this.refresh();
  }
}
