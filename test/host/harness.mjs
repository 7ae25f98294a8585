// Drives the packaged extension in a real VS Code (code-server's workbench) through a real
// Chromium, like a person would: palette, quick inputs, the Accounts view, terminals, dialogs.
// Binds 127.0.0.1 only and always stops what it started.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureHost } from './setup.mjs';

export const ARTIFACTS = join(process.cwd(), 'test-results', 'host');

let host;
function paths() {
  host ??= ensureHost();
  return host;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Installs the given .vsix files once into a template extensions dir that every scenario copies. */
/** The consumer fixture (test/host/fixtures/consumer) packaged as a .vsix, for prepareExtensions. */
export function packageConsumer() {
  const out = join(mkdtempSync(join(tmpdir(), 'pi-accounts-consumer-')), 'consumer.vsix');
  execFileSync(
    join(process.cwd(), 'node_modules', '.bin', 'vsce'),
    ['package', '--allow-missing-repository', '--skip-license', '--out', out],
    { cwd: join(process.cwd(), 'test/host/fixtures/consumer'), stdio: 'pipe' },
  );
  return out;
}

export function prepareExtensions(vsixes) {
  const { node24, codeServerEntry } = paths();
  const dir = mkdtempSync(join(tmpdir(), 'pi-accounts-ext-'));
  const data = mkdtempSync(join(tmpdir(), 'pi-accounts-installdata-'));
  for (const vsix of vsixes) {
    execFileSync(
      node24,
      [codeServerEntry, '--extensions-dir', dir, '--user-data-dir', data, '--install-extension', vsix, '--force'],
      { stdio: 'pipe' },
    );
  }
  rmSync(data, { recursive: true, force: true });
  return dir;
}

// A developer's own keys in the environment would change the flow under test (the sign-in
// offers them); the host never sees them.
function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/(_API_KEY|_TOKEN|_BEDROCK)$/.test(k) && k !== 'PI_CODING_AGENT_DIR'),
  );
}

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer at ${url} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class Workbench {
  /** @param {{ extensionsTemplate: string, trusted?: boolean, env?: Record<string,string>, files?: Record<string,string>, settings?: Record<string,unknown>, browserArgs?: string[] }} opts */
  static async start(opts) {
    const { node24, codeServerEntry, chromium: chromiumPath } = paths();
    const root = mkdtempSync(join(tmpdir(), 'pi-accounts-host-'));
    const w = new Workbench(root);
    try {
      w.piDir = join(root, 'pi-agent');
      w.folder = join(root, 'workspace');
      w.userData = join(root, 'user-data');
      const extensions = join(root, 'extensions');
      mkdirSync(w.folder, { recursive: true });
      mkdirSync(join(w.userData, 'User'), { recursive: true });
      cpSync(opts.extensionsTemplate, extensions, { recursive: true });
      for (const [rel, text] of Object.entries(opts.files ?? {})) {
        mkdirSync(join(root, rel, '..'), { recursive: true });
        writeFileSync(join(root, rel), text, { mode: 0o600 });
      }
      writeFileSync(
        join(w.userData, 'User', 'settings.json'),
        JSON.stringify({
          'workbench.startupEditor': 'none',
          'workbench.tips.enabled': false,
          'security.workspace.trust.startupPrompt': 'never',
          'security.workspace.trust.enabled': true,
          'terminal.integrated.enablePersistentSessions': false,
          'terminal.integrated.defaultProfile.linux': 'bash',
          'terminal.integrated.gpuAcceleration': 'off', // DOM renderer: the prompt is readable text
          'window.dialogStyle': 'custom',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'chat.disableAIFeatures': true,
          'workbench.secondarySideBar.defaultVisibility': 'hidden',
          'telemetry.telemetryLevel': 'off',
          ...opts.settings,
        }),
      );
      w.port = await freePort();
      const args = [
        codeServerEntry,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${w.port}`,
        '--user-data-dir',
        w.userData,
        '--extensions-dir',
        extensions,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
      ];
      if (opts.trusted !== false) args.push('--disable-workspace-trust');
      args.push(w.folder);
      w.server = spawn(node24, args, {
        env: { ...cleanEnv(), ...opts.env, PI_CODING_AGENT_DIR: w.piDir, HOME: join(root, 'home') },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      mkdirSync(join(root, 'home'), { recursive: true });
      w.serverOutput = '';
      w.server.stdout.on('data', (d) => (w.serverOutput += d));
      w.server.stderr.on('data', (d) => (w.serverOutput += d));
      await waitForHttp(`http://127.0.0.1:${w.port}/healthz`, 30_000);
      w.browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-quic',
          ...(opts.browserArgs ?? []),
        ],
      });
      const context = await w.browser.newContext({
        viewport: { width: 1400, height: 900 },
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      w.page = await context.newPage();
      await w.page.goto(`http://127.0.0.1:${w.port}/?folder=${encodeURIComponent(w.folder)}`);
      // Ready when extension contributions are in: our container's icon shows in the activity bar.
      await w.page.waitForSelector('.activitybar .action-item a[aria-label^="Pi Accounts"]', { timeout: 60_000 });
      return w;
    } catch (e) {
      await w.stop();
      throw e;
    }
  }

  constructor(root) {
    this.root = root;
  }

  get authPath() {
    return join(this.piDir, 'auth.json');
  }

  /**
   * Runs a command from the palette by its title, like a person typing it. The palette is opened
   * again (up to three times) when it does not take the text: a quick input that loses focus
   * hides, and while it hides it is `inert` (QuickInputController.hide in code-server 4.139.1's
   * workbench), so a focus change at the wrong moment (a toast, a view refreshing) leaves F1 with
   * nothing to type into. Enter is pressed only once the row is listed, and again only while the
   * palette still shows the text (it closes when it takes a command), so a command never runs twice.
   */
  async runCommand(title) {
    const p = this.page;
    const input = p.locator('.quick-input-widget:not(.quick-input-widget-closing) input');
    const row = p.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    for (let attempt = 1; ; attempt++) {
      await p.keyboard.press('Escape');
      await p.keyboard.press('F1');
      try {
        await input.fill(`>${title}`, { timeout: 10_000 });
        await row.waitFor({ timeout: 10_000 });
        await input.press('Enter', { timeout: 5_000 });
        // The palette closes when it takes the command; an Enter it swallowed (while it was still
        // filtering) leaves it open with the text, and the command never ran: then try again.
        const taken = await p
          .waitForFunction(
            (text) => {
              const box = document.querySelector('.quick-input-widget');
              return !box || getComputedStyle(box).display === 'none' || box.querySelector('input')?.value !== text;
            },
            `>${title}`,
            { timeout: 5_000 },
          )
          .then(
            () => true,
            () => false,
          );
        if (taken) return;
        if (attempt === 3) throw new Error(`the palette did not take "${title}" after 3 tries`);
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
  }

  /** Types into the open quick pick / input box and presses Enter (on the input, focusing it). */
  async answer(text, { pick } = {}) {
    const p = this.page;
    const input = p.locator('.quick-input-widget:not(.quick-input-widget-closing) input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    if (pick) await p.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().waitFor();
    await input.press('Enter');
  }

  async quickInputTitle() {
    return (await this.page.locator('.quick-input-widget .quick-input-title').textContent())?.trim();
  }

  /**
   * The notification that says `match`: a toast, or a row in the notification centre. VS Code
   * shows at most three toasts, drops toasts past three in 800 ms, hides those that do not fit
   * and shows none while the centre is open (NotificationsToasts in code-server 4.139.1's
   * workbench); the notification is still there, in the centre. So a toast is waited for first,
   * then the centre is opened and its rows searched (newest first) until `timeout`. A centre left
   * open by an earlier call is closed first, so later notifications show as toasts again.
   */
  async notification(match, timeout = 20_000) {
    const deadline = Date.now() + timeout;
    if (await this.page.locator('.notifications-center.visible').isVisible())
      await this.runCommand('Notifications: Hide Notifications');
    const toast = this.page.locator('.notification-toast', { hasText: match }).first();
    if (
      await toast.waitFor({ timeout: Math.min(timeout / 2, 10_000) }).then(
        () => true,
        () => false,
      )
    )
      return toast;
    await this.runCommand('Notifications: Show Notifications');
    const row = this.page.locator('.notifications-center .monaco-list-row', { hasText: match }).first();
    await row.waitFor({ timeout: Math.max(deadline - Date.now(), 2_000) });
    return row;
  }

  /**
   * Shows the Accounts view. The activity bar icon toggles its container, and after a reload the
   * workbench restores the container it had open on its own; so the icon is clicked only while
   * the view is not showing, and again if a click crossed the restore and closed it.
   */
  async openAccountsView() {
    const icon = this.page.locator('.activitybar .action-item a[aria-label^="Pi Accounts"]');
    // A container with one view hides the view's own header; its title is the sidebar's.
    const title = this.page.locator('.part.sidebar .composite.title', { hasText: 'Pi Accounts' });
    for (let attempt = 1; ; attempt++) {
      if (!(await title.isVisible())) await icon.click();
      const shown = await title.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (shown) return;
      if (attempt === 3) throw new Error('the Accounts view did not open after 3 clicks on its icon');
    }
  }

  /** Right-click `row` and choose `item`, as a person would from the context menu. */
  async contextMenu(row, item) {
    await row.click({ button: 'right' });
    const entry = this.page.getByRole('menuitem', { name: item }).first();
    await entry.waitFor();
    await this.page.waitForTimeout(300); // the menu ignores clicks while it fades in
    await entry.click();
    await entry.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => entry.click());
  }

  /**
   * Clicks the row of `label` until the tree shows it selected and focused, as a person who sees
   * no highlight clicks again: a click while the view refreshes (after a sign-in it refreshes
   * several times) can be lost. Keybindings that act on the selection are safe afterwards: the
   * selection reaches the extension host before the key's command does.
   */
  async selectRow(label) {
    const selected = this.page.locator('.pane-body .monaco-list-row.selected.focused', { hasText: label }).first();
    for (let attempt = 1; ; attempt++) {
      await this.treeRow(label).click();
      if (
        await selected.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        )
      )
        return;
      if (attempt === 3) throw new Error(`the row "${label}" did not stay selected after 3 clicks`);
    }
  }

  treeRow(label) {
    return this.page.locator('.pane-body .monaco-list-row', { hasText: label }).first();
  }

  /** A new integrated terminal runs `command`; its output goes to a file we read back. */
  async terminalOutput(command, { afterCreate, timeout = 20_000 } = {}) {
    const out = join(this.root, `term-${Date.now()}.txt`);
    await this.runCommand('Terminal: Create New Terminal');
    await afterCreate?.();
    await this.page.locator('.terminal-wrapper.active .xterm').waitFor({ timeout: 30_000 });
    // Type only once the shell shows its prompt and the terminal has focus: keys sent earlier
    // are lost, and half a command is worse than none.
    await this.page.waitForFunction(
      () => /[$#]$/.test(document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent?.trim() ?? ''),
      null,
      { timeout: 30_000 },
    );
    await this.page.locator('.terminal-wrapper.active .xterm').click();
    await this.page.keyboard.type(`${command} > ${out} 2>&1; echo done >> ${out}.done\n`);
    const deadline = Date.now() + timeout;
    while (!existsSync(`${out}.done`)) {
      if (Date.now() > deadline) throw new Error(`terminal did not run: ${command}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return readFileSync(out, 'utf8').trim();
  }

  /** The extension host log and the extension's own log channel, for artifacts and timing. */
  logs() {
    const found = {};
    const walk = (dir) => {
      for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/remoteexthost\.log$|exthost\.log$|Pi Accounts\.log$/.test(e.name))
          found[e.name] = (found[e.name] ?? '') + readFileSync(p, 'utf8');
      }
    };
    walk(join(this.userData, 'logs'));
    return found;
  }

  /**
   * Everything the workbench keeps that is not secret storage: the browser's localStorage and
   * IndexedDB (where code-server keeps globalState and workspaceState), as [where, key, value].
   * `secrets.provider` is VS Code's encrypted secret store and is left out.
   */
  async browserStorage() {
    return this.page.evaluate(async () => {
      const out = [];
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key !== 'secrets.provider') out.push(['localStorage', key, localStorage.getItem(key) ?? '']);
      }
      for (const info of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
          const r = indexedDB.open(info.name);
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        for (const store of db.objectStoreNames) {
          const tx = db.transaction(store, 'readonly');
          const get = (what) =>
            new Promise((resolve) => {
              const r = tx.objectStore(store)[what]();
              r.onsuccess = () => resolve(r.result);
            });
          const [keys, values] = [await get('getAllKeys'), await get('getAll')];
          keys.forEach((k, i) =>
            out.push([
              `indexedDB ${info.name}/${store}`,
              String(k),
              typeof values[i] === 'string' ? values[i] : (JSON.stringify(values[i]) ?? ''),
            ]),
          );
        }
        db.close();
      }
      return out;
    });
  }

  /** Every file under this workbench's root (user data, logs, settings, home, workspace). */
  files() {
    const found = [];
    const walk = (dir) => {
      for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) found.push(p);
      }
    };
    walk(this.root);
    return found;
  }

  async saveArtifacts(name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_');
    if (this.page) await this.page.screenshot({ path: join(ARTIFACTS, `${safe}.png`) }).catch(() => undefined);
    for (const [file, text] of Object.entries(this.logs())) writeFileSync(join(ARTIFACTS, `${safe}.${file}`), text);
    writeFileSync(join(ARTIFACTS, `${safe}.server.log`), this.serverOutput ?? '');
  }

  async stop() {
    await this.browser?.close().catch(() => undefined);
    if (this.server && this.server.exitCode === null) {
      try {
        process.kill(-this.server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(-this.server.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          r();
        }, 5000);
        this.server.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
