// The Usage panel's page: plain HTML and CSS in VS Code's theme colours (--vscode-* variables,
// https://code.visualstudio.com/api/extension-guides/webview#theming-webview-content), no
// external resources, a nonce for its one small script. Bars are role="meter" with their values
// for screen readers; actions are command links, so Tab and Enter reach every one.
import type { AccountUsage, ProviderUsage } from './report';
import { describeBalance } from '../usage/balance';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export interface PageOptions {
  readonly nonce: string;
  readonly cspSource: string;
  /** Formats an epoch-ms time for people (the host's locale). */
  readonly time: (t: number) => string;
}

// Widths as classes: the page's policy allows no style attributes, only its own style sheet.
const WIDTHS = Array.from({ length: 101 }, (_, i) => `.w${i} { width: ${i}%; }`).join(' ');

const command = (id: string, arg: unknown) => `command:${id}?${encodeURIComponent(JSON.stringify(arg))}`;

function bar(provider: string, account: string, w: AccountUsage['windows'][number], time: PageOptions['time']) {
  const level = w.usedPercent >= 100 ? 'full' : w.usedPercent >= 80 ? 'high' : 'ok';
  const reset = w.resetsAt ? `resets ${esc(time(w.resetsAt))}` : 'no reset time reported';
  const label = `${account} (${provider}): ${w.label} window ${w.usedPercent}% used, ${reset}`;
  return `<div class="window">
  <span class="wlabel">${esc(w.label)}</span>
  <div class="track" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${w.usedPercent}" aria-label="${esc(label)}"><div class="fill ${level} w${w.usedPercent}"></div></div>
  <span class="pct">${w.usedPercent}%</span>
  <span class="reset">${reset}</span>
</div>`;
}

/** An API key's balance: what is left in words, and a meter of what is left when there is a total. */
function balance(provider: string, account: string, a: AccountUsage): string {
  const b = a.balance;
  if (!b) return a.balanceKnown ? '<p class="muted">Balance not read yet.</p>' : '';
  const words = describeBalance(b);
  const state = b.exhausted
    ? ' — disabled until you add credits'
    : b.low
      ? ' — low: other accounts are picked first'
      : '';
  const left = b.total ? Math.round(Math.min(100, Math.max(0, (b.remaining / b.total) * 100))) : undefined;
  const level = b.exhausted ? 'full' : b.low ? 'high' : 'ok';
  const meter =
    left === undefined
      ? ''
      : `<div class="track" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${left}" aria-label="${esc(`${account} (${provider}): ${left}% of the balance left`)}"><div class="fill ${level} w${left}"></div></div>`;
  return `<div class="balance ${level}">
  <span class="wlabel">Balance</span>${meter}
  <span class="bwords">${esc(words)}${esc(state)}</span>
</div>`;
}

const n = (x: number) => x.toLocaleString('en-US');
/** "12.3k", "1.2M": what fits under a bar. */
const short = (x: number) =>
  x >= 1e6
    ? `${(x / 1e6).toFixed(1)}M`
    : x >= 1e4
      ? `${Math.round(x / 1e3)}k`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)}k`
        : String(x);
const weekday = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
const requests = (r: number) => `${r} request${r === 1 ? '' : 's'}`;

/**
 * Today's and this week's tokens through the VS Code models: the totals in words, and the last
 * seven days as a small bar chart (input and output stacked). The chart is an image to screen
 * readers, labelled by a table of the same figures that is hidden from sight only.
 */
function tokens(id: string, a: AccountUsage): string {
  const t = a.tokensToday;
  const week = a.week ?? [];
  const sum = week.reduce(
    (s, d) => ({
      input: s.input + d.tokens.input,
      output: s.output + d.tokens.output,
      requests: s.requests + d.tokens.requests,
    }),
    { input: 0, output: 0, requests: 0 },
  );
  if (!t && sum.requests === 0) return '<p class="muted">No requests through the VS Code models this week.</p>';
  const today = t
    ? `Today: <b>${n(t.input)}</b> in${t.cached ? ` (${n(t.cached)} cached)` : ''}, <b>${n(t.output)}</b> out, ${requests(t.requests)}`
    : 'Today: no requests';
  const weekLine = sum.requests
    ? ` · This week: <b>${n(sum.input + sum.output)}</b> tokens, ${requests(sum.requests)}`
    : '';
  if (!week.length) return `<p class="tokens">${today}${weekLine}</p>`;
  const max = Math.max(1, ...week.map((d) => d.tokens.input + d.tokens.output));
  const W = 30;
  const H = 56;
  const TOP = 12; // room for the figure above the tallest bar
  const bars = week
    .map((d, i) => {
      const hIn = Math.round((d.tokens.input / max) * H);
      const hOut = Math.round((d.tokens.output / max) * H);
      const x = i * W + 4;
      const total = d.tokens.input + d.tokens.output;
      const isToday = i === week.length - 1;
      return `<rect class="in" x="${x}" y="${TOP + H - hIn}" width="${W - 8}" height="${hIn}"/><rect class="out" x="${x}" y="${TOP + H - hIn - hOut}" width="${W - 8}" height="${hOut}"/>
<text class="day${isToday ? ' today' : ''}" x="${x + (W - 8) / 2}" y="${TOP + H + 12}">${esc(weekday(d.day))}</text>${total ? `<text class="val" x="${x + (W - 8) / 2}" y="${TOP + H - hIn - hOut - 3}">${short(total)}</text>` : ''}`;
    })
    .join('\n');
  const tableId = `t-${id}`;
  const rows = week
    .map(
      (d) =>
        `<tr><th scope="row">${esc(d.day)}</th><td>${n(d.tokens.input)}</td><td>${n(d.tokens.output)}</td><td>${d.tokens.requests}</td></tr>`,
    )
    .join('');
  return `<div class="tokens">
  <p>${today}${weekLine}</p>
  <svg class="chart" role="img" aria-labelledby="${esc(tableId)}-c" viewBox="0 0 ${week.length * W} ${TOP + H + 16}" width="${week.length * W}" height="${TOP + H + 16}"><title id="${esc(tableId)}-c">Tokens per day through the VS Code models, the last seven days: see the table that follows</title>${bars}</svg>
  <span class="legend" aria-hidden="true"><span class="key in"></span>in <span class="key out"></span>out</span>
  <table class="sr-only" id="${esc(tableId)}"><caption>Tokens per day, ${esc(a.name)}</caption><tr><th scope="col">Day (UTC)</th><th scope="col">In</th><th scope="col">Out</th><th scope="col">Requests</th></tr>${rows}</table>
</div>`;
}

function account(p: ProviderUsage, a: AccountUsage, o: PageOptions): string {
  const target = { provider: p.id, account: a.name };
  const badges = [
    a.inUse ? '<span class="badge inuse">in use</span>' : '',
    a.health !== 'ok' ? `<span class="badge ${a.health.replace(/ /g, '-')}">${esc(a.health)}</span>` : '',
    a.plan ? `<span class="badge plan">${esc(a.plan)}</span>` : '',
  ].join('');
  const kind =
    a.kind === 'api_key'
      ? 'API key'
      : a.kind === 'ref'
        ? 'API key (password manager)'
        : a.kind === 'env'
          ? 'settings'
          : 'subscription sign-in';
  const windows = a.windows.length
    ? a.windows.map((w) => bar(p.label, a.name, w, o.time)).join('\n')
    : a.balanceKnown
      ? balance(p.label, a.name, a)
      : `<p class="muted">${a.kind === 'oauth' ? 'No usage figures yet.' : `${esc(p.label)} reports no usage or balance for this key.`}</p>`;
  const lines = [
    a.restingUntil
      ? `<p class="rest">Resting until ${esc(o.time(a.restingUntil))}: another account is used meanwhile.</p>`
      : '',
    a.problem ? `<p class="problem">Usage could not be read: ${esc(a.problem)}</p>` : '',
    a.fetchedAt ? `<p class="muted">Figures from ${esc(o.time(a.fetchedAt))}.</p>` : '',
  ].join('');
  const actions = [
    a.kind === 'oauth' || a.balanceKnown
      ? `<a href="${command('piAccounts.refreshQuota', target)}">Refresh ${a.kind === 'oauth' ? 'Usage' : 'Balance'}</a>`
      : '',
    a.inUse ? '' : `<a href="${command('piAccounts.useAccount', target)}">Use This Account</a>`,
    a.health === 'needs sign-in' ? `<a href="${command('piAccounts.signInAgain', target)}">Sign In Again</a>` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `<section class="account" id="${esc(`${p.id}/${a.name}`)}" aria-label="${esc(`${a.name}, ${p.label}`)}">
  <h3>${esc(a.name)} <span class="muted">${kind}</span> ${badges}</h3>
  ${windows}
  ${lines}
  ${tokens(`${p.id}-${a.name}`.replace(/[^A-Za-z0-9_-]/g, '_'), a)}
  ${actions ? `<p class="actions">${actions}</p>` : ''}
</section>`;
}

/** The part of the page that changes: replaced in place on every update. */
export function usageBody(report: readonly ProviderUsage[], o: PageOptions): string {
  if (!report.length) return `<p>No accounts yet. <a href="command:piAccounts.signIn">Sign In</a></p>`;
  return report
    .map(
      (p) => `<section class="provider" aria-label="${esc(p.label)}">
<h2>${esc(p.label)} <span class="muted">${p.accounts.length} account${p.accounts.length === 1 ? '' : 's'}</span></h2>
<div class="grid">${p.accounts.map((a) => account(p, a, o)).join('\n')}</div>
</section>`,
    )
    .join('\n');
}

export function usagePage(report: readonly ProviderUsage[], o: PageOptions): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${o.nonce}'; script-src 'nonce-${o.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Usage</title>
<style nonce="${o.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 8px 24px 24px; }
h1 { font-size: 1.5em; font-weight: 600; margin: 12px 0 4px; }
h2 { font-size: 1.2em; font-weight: 600; margin: 24px 0 8px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent)); padding-bottom: 4px; }
h3 { font-size: 1.05em; font-weight: 600; margin: 0 0 8px; }
.muted { color: var(--vscode-descriptionForeground); font-weight: normal; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
.account { border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent)); background: var(--vscode-sideBar-background, transparent); border-radius: 4px; padding: 12px 14px; }
.window { display: grid; grid-template-columns: 3.5em 1fr 3em; grid-template-areas: "label track pct" ". reset reset"; align-items: center; gap: 2px 8px; margin: 6px 0; }
.wlabel { grid-area: label; font-weight: 600; }
.track { grid-area: track; height: 10px; background: rgba(128,128,128,.18); border: 1px solid var(--vscode-contrastBorder, rgba(128,128,128,.35)); border-radius: 5px; overflow: hidden; }
.fill { height: 100%; background: var(--vscode-charts-green, var(--vscode-progressBar-background)); }
.fill.high { background: var(--vscode-charts-yellow, var(--vscode-editorWarning-foreground)); }
.fill.full { background: var(--vscode-charts-red, var(--vscode-editorError-foreground)); }
.pct { grid-area: pct; text-align: right; font-variant-numeric: tabular-nums; }
.reset { grid-area: reset; color: var(--vscode-descriptionForeground); font-size: .92em; }
.badge { font-size: .8em; font-weight: normal; padding: 1px 6px; border-radius: 8px; margin-left: 4px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.badge.resting, .badge.stale, .badge.usage-unavailable { background: var(--vscode-editorWarning-foreground); color: var(--vscode-editor-background); }
.badge.exhausted, .badge.needs-sign-in, .badge.no-balance { background: var(--vscode-editorError-foreground); color: var(--vscode-editor-background); }
.badge.plan { background: transparent; color: var(--vscode-foreground); border: 1px solid var(--vscode-descriptionForeground); }
.balance { display: grid; grid-template-columns: 3.5em 1fr; grid-template-areas: "label track" ". words"; align-items: center; gap: 2px 8px; margin: 6px 0; }
.balance .track { grid-area: track; } .bwords { grid-area: words; }
.balance.full .bwords { color: var(--vscode-errorForeground); } .balance.high .bwords { color: var(--vscode-editorWarning-foreground); }
.rest { color: var(--vscode-editorWarning-foreground); }
.problem { color: var(--vscode-errorForeground); }
.tokens { margin-top: 8px; }
.chart { display: inline-block; vertical-align: bottom; overflow: visible; }
.chart .in, .key.in { fill: var(--vscode-charts-blue); background: var(--vscode-charts-blue); }
.chart .out, .key.out { fill: var(--vscode-charts-purple); background: var(--vscode-charts-purple); }
.chart text { fill: var(--vscode-descriptionForeground); font-size: 10px; text-anchor: middle; font-family: var(--vscode-font-family); }
.chart text.today { fill: var(--vscode-foreground); font-weight: 600; }
.chart text.val { fill: var(--vscode-foreground); font-size: 9px; }
.legend { margin-left: 8px; color: var(--vscode-descriptionForeground); font-size: .9em; }
.key { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin: 0 3px 0 6px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
a { color: var(--vscode-textLink-foreground); margin-right: 12px; }
a:focus, section:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
p { margin: 4px 0; }
${WIDTHS}
</style></head>
<body>
<h1>Usage</h1>
<p class="muted">Every account's usage windows, balances, rest periods and this week's tokens. Updated as figures arrive. <a href="command:piAccounts.refreshQuota">Refresh Usage</a></p>
<main id="main" aria-live="polite">${usageBody(report, o)}</main>
<script nonce="${o.nonce}">
// Updates replace the accounts in place; the element that had the keyboard focus keeps it.
window.addEventListener('message', (e) => {
  const main = document.getElementById('main');
  const active = document.activeElement;
  const section = active && active.closest('section.account');
  const href = active && active.getAttribute('href');
  main.innerHTML = e.data.body;
  const again = section && document.getElementById(section.id);
  const link = again && href ? [...again.querySelectorAll('a')].find((a) => a.getAttribute('href') === href) : undefined;
  (link || again)?.focus();
});
</script>
</body></html>`;
}
