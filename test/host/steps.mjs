// Steps a person takes in the workbench, shared by the host scenario files. Each takes the
// running Workbench first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The packaged extension every scenario file installs, and the keys they type. */
export const VSIX = join(process.cwd(), 'dist', 'pi-accounts.vsix');
export const KEY_WORK = 'sk-ant-api03-hostWORK-0123456789abcdefXYZ';
export const KEY_PERSONAL = 'sk-ant-api03-hostPERSONAL-9876543210zyxwv';
export const KEY_OPENAI = 'sk-proj-hostOPENAI-0123456789abcdefghij';

/** Waits until the sign-in's quick input shows step `n` of 3. */
export async function waitForStep(w, n) {
  await w.page.waitForFunction(
    (step) => document.querySelector('.quick-input-widget .quick-input-title')?.textContent?.includes(`(${step}/3)`),
    n,
  );
}

/** Palette → Sign In… → provider → account name; leaves the flow at step 3 (the key). */
export async function startSignIn(w, provider, account) {
  await w.runCommand('Pi Accounts: Sign In…');
  const input = w.page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(provider);
  const row = w.page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: w.page.locator('.label-name', { hasText: new RegExp(`^${provider}$`) }) })
    .first();
  await row.click();
  await waitForStep(w, 2);
  await w.answer(account);
  await waitForStep(w, 3);
}

/** The whole sign-in, as a person types it. */
export async function signIn(w, provider, account, key) {
  await startSignIn(w, provider, account);
  await w.answer(key);
  await w.notification(`as "${account}"`);
}

/** Palette → Sign In → GitHub Copilot (device) → name → blank host; leaves the code modal open. */
export async function deviceSignIn(w, account) {
  await w.runCommand('Pi Accounts: Sign In…');
  await w.answer('GitHub Copilot', { pick: 'sign in with a device code' });
  await waitForStep(w, 2);
  await w.answer(account);
  // Step 3 by its number: every step's title names GitHub Copilot, so the name alone could match
  // step 2 while it is still on screen, and the blank answer would go there. pi-ai's Copilot
  // login asks for the Enterprise host first.
  await waitForStep(w, 3);
  await w.answer(''); // blank: github.com (here, the emulator)
  const modal = w.page.locator('.monaco-dialog-box');
  await modal.locator('text=/Your GitHub Copilot sign-in code: ABCD-\\d{4}/').waitFor();
  return { modal, code: /ABCD-\d{4}/.exec(await modal.textContent())[0] };
}

/**
 * Palette → Sign In → Claude Pro/Max → name → pi-ai's own question (browser or copy-code login:
 * the browser), against the Anthropic emulator; returns how it finished ('loopback' or 'paste').
 */
export async function browserSignIn(w, emu, account) {
  await w.runCommand('Pi Accounts: Sign In…');
  await w.answer('Claude Pro/Max', { pick: 'sign in with the browser' });
  await waitForStep(w, 2);
  await w.answer(account);
  await waitForStep(w, 3);
  const { authorizes, tokens } = emu.stats;
  const refusals = emu.stats.errors.length;
  const popup = w.page.context().waitForEvent('page', { timeout: 30_000 });
  await w.answer('', { pick: 'Browser login' });
  const page = await popup;
  // The emulator approves at once and redirects to localhost:53692, where pi-ai's callback server
  // listens in the extension host; where the browser cannot reach it, the person copies the
  // address the browser ended on into the paste box that is open meanwhile. A new browser page
  // can take many seconds to load on a busy machine: wait for the emulator to see it, so the
  // address pasted is this sign-in's and never an empty or earlier one.
  await waitFor(() => emu.stats.authorizes > authorizes || emu.stats.errors.length > refusals, 60_000).catch(() => {
    throw new Error(`the sign-in page never reached the emulator; the new page is at ${page.url()}`);
  });
  if (emu.stats.errors.length > refusals)
    throw new Error(`the emulator refused the sign-in: ${emu.stats.errors.slice(refusals).join('; ')}`);
  const redirect = emu.stats.lastRedirect;
  const signedIn = `Signed in to Claude Pro/Max as "${account}"`;
  // Whether the browser's redirect reached the callback server shows at the emulator: the code is
  // exchanged. (A toast can be hidden behind three others, and w.notification() would open the
  // notification centre through the palette, closing a paste box still waiting for its answer.)
  const how = await waitFor(() => emu.stats.tokens > tokens, 15_000).then(
    () => 'loopback',
    () => 'paste',
  );
  if (how === 'paste') {
    const box = w.page.locator('.quick-input-widget:not(.quick-input-widget-closing) input');
    if (!(await box.isVisible())) {
      const toasts = await w.page.locator('.notification-toast').allTextContents();
      throw new Error(
        `no token exchange in 15 s and no paste box open; the browser page is at ${page.url()}; emulator ${JSON.stringify(emu.stats)}; toasts ${JSON.stringify(toasts)}`,
      );
    }
    await w.answer(redirect);
  }
  await w.notification(signedIn, 30_000);
  await page.close();
  return how;
}

/**
 * A window small enough for a README picture to be readable at page width (about 900 px): the
 * workbench lays itself out again for it, so the sidebar and the status bar are both in it.
 */
export async function readmeWindow(w, size = { width: 960, height: 540 }) {
  await w.page.setViewportSize(size);
  await w.page.waitForFunction(
    (width) => (document.querySelector('.part.statusbar')?.getBoundingClientRect().width ?? 0) <= width,
    size.width,
  );
}

/** auth.json once it satisfies `ready` (the mirror writes just after the vault changes). */
export async function authJson(w, ready = () => true) {
  let data;
  await waitFor(() => {
    try {
      data = JSON.parse(readFileSync(w.authPath, 'utf8'));
      return ready(data);
    } catch {
      return false;
    }
  });
  return data;
}

export async function waitFor(cond, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** After each scenario: a failed one leaves its screenshot and logs; the workbench stops. */
export async function finish(test, w) {
  if (w && test?.state !== 'passed') await w.saveArtifacts(test.title);
  await w?.stop();
}
