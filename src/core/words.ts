// How the extension names things in what a person reads, in one place, so toasts, pickers, the
// view and the status bar agree: "OpenAI / default", never "openai/default"; accounts in the
// view's order; "an Anthropic", never "a Anthropic".
import { findProvider } from './providers/directory';

const labelOf = (provider: string) => findProvider(provider)?.label ?? provider;

/** "Anthropic / work": an account as every message names it. */
export const accountTitle = (provider: string, account: string) => `${labelOf(provider)} / ${account}`;

/** "an Anthropic", "a Groq": the provider's label with its article (by its first letter's sound, roughly). */
export function withArticle(provider: string): string {
  const label = labelOf(provider);
  return `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`;
}

/**
 * The view's order, which every list of accounts follows (pickers, the status bar's "2/3",
 * VS Code's Accounts menu): providers by label, then accounts by name. Stable: a row does not
 * move when another account comes into use.
 */
export function inViewOrder<T extends { readonly provider: string; readonly name: string }>(
  accounts: readonly T[],
): T[] {
  return [...accounts].sort(
    (a, b) => labelOf(a.provider).localeCompare(labelOf(b.provider)) || a.name.localeCompare(b.name),
  );
}

/**
 * Refresh Usage when none of the accounts it would read has usage figures. The gist comes first:
 * a notification without buttons shows only its first line until it is expanded.
 */
export function noUsageFigures(target?: { readonly provider: string; readonly account?: string }): string {
  const why =
    'Providers report usage only for subscription sign-ins (Claude Pro/Max, ChatGPT Plus/Pro, GitHub Copilot) ' +
    "and a balance only for OpenRouter, DeepSeek and Moonshot API keys; other keys' spend is on the provider's dashboard.";
  if (!target) return `No usage figures to read: API keys have none. ${why}`;
  const what = target.account ? accountTitle(target.provider, target.account) : labelOf(target.provider);
  return `${what}: no usage figures to read, API keys have none. ${why}`;
}

/** A moment as people read it in a tooltip or panel: "Sun, Dec 6, 10:41". */
export const timeOf = (t: number): string =>
  new Date(t).toLocaleString(undefined, {
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    month: 'short',
    day: 'numeric',
  });
