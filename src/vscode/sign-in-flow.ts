import * as vscode from 'vscode';
import { aborted } from '../core/faults';
import { requireExternalUrl } from '../core/oauth/external-url';
import type { OAuthCredential, OAuthProvider, SignInInteraction } from '../core/oauth/provider';
import type { Credential } from '../core/credentials';
import type { HttpOptions } from '../core/http';
import { piApiKeyLogin } from '../core/pi-auth/api-key';
import type { SecretTool } from '../core/secret-ref';
import type { ProviderInfo } from '../core/providers/directory';
import { signInRoute, type SignInRoute } from './remote-window';
import { FROM_MANAGER, keyBox } from './sign-in-ui';
import type { AuthEvent, AuthPrompt } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };

/**
 * Runs a provider's sign-in (pi-ai's own `login(interaction)`, or ours for the providers pi-ai
 * does not ship) with VS Code as the interaction, inside a cancellable progress notification.
 * Cancel there, or Escape on any question, aborts the login's signal. Nothing is stored here: the
 * caller stores the credential only once the login resolved.
 */
export async function runSignInFlow(
  oauth: OAuthProvider,
  label: string,
  http: HttpOptions | undefined,
  check?: PromptCheck,
  step = 3,
  /** Where the remote window's callback decision is written (src/vscode/remote-window.ts). */
  log?: (message: string) => void,
): Promise<OAuthCredential> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Signing in to ${label}`, cancellable: true },
    async (progress, token) => {
      const cancel = new AbortController();
      const sub = token.onCancellationRequested(() => cancel.abort());
      try {
        const report = (message: string) => progress.report({ message });
        const interaction = editorInteraction(cancel, label, step, report, check, undefined, undefined, log);
        return await oauth.login(interaction, { ...http, signal: cancel.signal });
      } finally {
        cancel.abort(); // closes whatever box or dialog the login left open
        sub.dispose();
      }
    },
  );
}

/**
 * An API-key sign-in through pi-ai's own `auth.apiKey.login(interaction)`, its questions drawn
 * like every sign-in's (step `step` of 3); Escape at any question stores nothing.
 */
export async function runApiKeySignIn(
  provider: ProviderInfo,
  step = 3,
  /** Offered by the key box's lock button: choosing it ends the login with FROM_MANAGER. */
  managers: readonly SecretTool[] = [],
): Promise<Credential | typeof FROM_MANAGER> {
  const cancel = new AbortController();
  let fromManager = false;
  try {
    const interaction = editorInteraction(
      cancel,
      provider.label,
      step,
      () => undefined,
      provider.promptCheck,
      provider,
      managers.length
        ? () => {
            fromManager = true;
            cancel.abort();
          }
        : undefined,
    );
    return await piApiKeyLogin(provider.id, provider.label, interaction);
  } catch (e) {
    if (fromManager) return FROM_MANAGER;
    throw e;
  } finally {
    cancel.abort(); // closes whatever box the login left open
  }
}

/** A provider's check of an answer to one of its sign-in's questions (ProviderInfo.promptCheck). */
export type PromptCheck = (prompt: AuthPrompt, value: string) => string | undefined;

/** pi-ai's AuthInteraction drawn with VS Code's own widgets. */
export function editorInteraction(
  cancel: AbortController,
  label: string,
  step: number,
  report: (message: string) => void,
  check?: PromptCheck,
  /** Whose key a `secret` prompt asks for (an API-key sign-in): our key box and checks. */
  keyOf?: ProviderInfo,
  /** The key box's lock button ("From my password manager…"), where one is on PATH. */
  fromManager?: () => void,
  log?: (message: string) => void,
): SignInInteraction {
  const title = `Pi Accounts: Sign In to ${label} (${step}/3)`;
  // The sign-in page the login named last, and whether its paste box is open: the box offers the
  // link, so a page VS Code did not open needs no message of its own.
  // In a remote window, also whether the browser can return to the login's callback server.
  const page: { link?: string; pasting: number; route?: Promise<SignInRoute> } = { pasting: 0 };
  return {
    signal: cancel.signal,
    async prompt(p: AuthPrompt) {
      // A prompt the login withdraws (the browser came back first) rejects without ending the
      // login; Escape on a prompt ends the whole sign-in.
      const signal = p.signal ? AbortSignal.any([cancel.signal, p.signal]) : cancel.signal;
      if (p.type === 'manual_code') page.pasting++;
      try {
        return p.type === 'select'
          ? await pick(p, title, signal)
          : await ask(
              p,
              title,
              signal,
              check,
              keyOf,
              p.type === 'manual_code' ? page.link : undefined,
              fromManager,
              p.type === 'manual_code' ? page.route : undefined,
            );
      } catch (e) {
        if (!p.signal?.aborted) cancel.abort();
        throw e;
      } finally {
        if (p.type === 'manual_code') page.pasting--;
      }
    },
    notify(e: AuthEvent) {
      switch (e.type) {
        case 'progress':
          return report(e.message);
        case 'info':
          report(e.message);
          if (e.links?.length) void showLinks(e.message, e.links);
          return;
        case 'auth_url':
          report(e.instructions ?? 'Finish signing in in your browser…');
          page.link = e.url;
          // The browser opens once the callback's port is forwarded (or known not to be): the
          // paste box, open meanwhile, then says when pasting is the only way back.
          page.route = signInRoute(e.url).catch((): SignInRoute => ({ route: 'callback' }));
          return void page.route.then((r) => {
            if (r.note) log?.(r.note);
            if (r.route === 'paste') report('Sign in in your browser, then paste the address it ends on…');
            return openSignInPage(e.url, label, cancel.signal, () => page.pasting > 0);
          });
        case 'device_code':
          return void showDeviceCode(e, label, cancel.signal, report).catch(() => cancel.abort());
      }
    },
  };
}

/**
 * Opens the sign-in page. When VS Code's "open external website" question is answered Cancel,
 * nothing is copied unasked and nothing claims the browser failed: the paste box, open at once
 * beside the browser, offers Copy Sign-In Link and Open Sign-In Page as its buttons; a sign-in
 * without a paste box (a device code) offers the same in a message.
 */
async function openSignInPage(
  url: string,
  label: string,
  signal: AbortSignal,
  pasteOpen: () => boolean = () => false,
): Promise<void> {
  const uri = vscode.Uri.parse(requireExternalUrl(url).toString(), true);
  if (await vscode.env.openExternal(uri)) return;
  while (!signal.aborted && !pasteOpen()) {
    const choice = await vscode.window.showInformationMessage(
      `Open the ${label} sign-in page when you are ready, or copy its link to open it in another browser.`,
      'Open Sign-In Page',
      'Copy Sign-In Link',
    );
    if (signal.aborted || choice === undefined) return;
    if (choice === 'Copy Sign-In Link') {
      await vscode.env.clipboard.writeText(url);
      return;
    }
    if (await vscode.env.openExternal(uri)) return;
  }
}

async function showLinks(message: string, links: readonly { url: string; label?: string }[]): Promise<void> {
  const choice = await vscode.window.showInformationMessage(message, ...links.map((l) => l.label ?? l.url));
  const link = links.find((l) => (l.label ?? l.url) === choice);
  if (link) await vscode.env.openExternal(vscode.Uri.parse(requireExternalUrl(link.url).toString(), true));
}

/** select → a QuickPick of the options; resolves the option's id. */
function pick(p: Extract<AuthPrompt, { type: 'select' }>, title: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { id: string }>();
    qp.title = title;
    qp.placeholder = p.message;
    qp.ignoreFocusOut = true;
    qp.items = p.options.map((o) => ({ label: o.label, detail: o.description, id: o.id }));
    settle(qp, signal, reject, () => {
      const chosen = qp.selectedItems[0];
      if (chosen) return chosen.id;
    }).then(resolve, reject);
    qp.show();
  });
}

/** text / secret (a password box) / manual_code (the box for the code or the address the browser shows). */
function ask(
  p: Exclude<AuthPrompt, { type: 'select' }>,
  title: string,
  signal: AbortSignal,
  check?: PromptCheck,
  keyOf?: ProviderInfo,
  /** The sign-in page of a paste box: offered as Copy Sign-In Link and Open Sign-In Page. */
  link?: string,
  fromManager?: () => void,
  /** A remote window's callback decision: when pasting is the only way, the box says so. */
  route?: Promise<SignInRoute>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const box = vscode.window.createInputBox();
    box.title = title;
    box.prompt = p.message;
    if (p.type === 'secret' && keyOf) {
      box.prompt = `${p.message}. It is kept in VS Code's secret storage.`;
      const accept = keyBox(box, keyOf, fromManager);
      settle(box, signal, reject, () => (accept() ? box.value.trim() : undefined)).then(resolve, reject);
      return box.show();
    }
    box.placeholder =
      p.placeholder ?? (p.type === 'manual_code' ? 'the code, or the whole address the browser shows' : undefined);
    box.password = p.type === 'secret';
    box.ignoreFocusOut = true;
    // text prompts may be answered blank (Copilot's Enterprise host); a code or a secret may not.
    const blankOk = p.type === 'text';
    const problem = (v: string) => check?.(p, v);
    box.onDidChangeValue((v) => (box.validationMessage = problem(v)));
    if (link) linkButtons(box, link);
    void route?.then((r) => {
      if (r.pasteHint && !signal.aborted) box.prompt = r.pasteHint;
    });
    settle(box, signal, reject, () =>
      (blankOk || box.value.trim()) && !problem(box.value) ? box.value.trim() : undefined,
    ).then(resolve, reject);
    box.show();
  });
}

/** The paste box's way to the sign-in page when the browser did not show it: copy its link, or open it. */
function linkButtons(box: vscode.InputBox, link: string): void {
  // Made here, not when the module loads: nothing of `vscode` runs at require time (bench/bundle.mjs
  // requires the bundle without an extension host).
  const copyLink = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy Sign-In Link' };
  const openLink = { iconPath: new vscode.ThemeIcon('link-external'), tooltip: 'Open Sign-In Page' };
  box.buttons = [copyLink, openLink];
  box.onDidTriggerButton(async (b) => {
    if (b === copyLink) {
      await vscode.env.clipboard.writeText(link);
      box.validationMessage = {
        message: 'The sign-in link is on the clipboard: open it in a browser, then paste what it shows here.',
        severity: vscode.InputBoxValidationSeverity.Info,
      };
    } else await vscode.env.openExternal(vscode.Uri.parse(requireExternalUrl(link).toString(), true));
  });
}

/** Resolves with `accept()`'s value on Enter (when defined), rejects on Escape or when `signal` aborts; disposes the widget. */
function settle(
  widget: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox,
  signal: AbortSignal,
  reject: (e: unknown) => void,
  accept: () => string | undefined,
): Promise<string> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      widget.dispose();
      fn();
    };
    const onAbort = () => finish(() => reject(aborted()));
    signal.addEventListener('abort', onAbort, { once: true });
    widget.onDidAccept(() => {
      const value = accept();
      if (value !== undefined) finish(() => resolve(value));
    });
    widget.onDidHide(() => finish(() => reject(aborted())));
  });
}

/** Like VS Code's own GitHub sign-in: the code in a modal; Copy & Open puts it on the clipboard and opens the page. */
async function showDeviceCode(
  e: Extract<AuthEvent, { type: 'device_code' }>,
  label: string,
  signal: AbortSignal,
  report: (message: string) => void,
): Promise<void> {
  const copy = e.copyCodeOnConfirm !== false;
  const open = e.openBrowserOnConfirm !== false;
  const action = copy && open ? 'Copy & Open' : open ? 'Open' : copy ? 'Copy' : 'Continue';
  const minutes = e.expiresInSeconds ? ` The code expires in ${Math.round(e.expiresInSeconds / 60)} minutes.` : '';
  const choice = await vscode.window.showInformationMessage(
    `Your ${label} sign-in code: ${e.userCode}`,
    { modal: true, detail: `Enter the code on ${e.verificationUri} to finish signing in.${minutes}` },
    action,
  );
  if (choice !== action || signal.aborted) throw aborted();
  if (copy) await vscode.env.clipboard.writeText(e.userCode);
  if (open) await openSignInPage(e.verificationUri, label, signal);
  const host = vscode.Uri.parse(e.verificationUri).authority;
  report(`Waiting for you to enter ${e.userCode} on ${host}${copy ? ' (the code is on the clipboard)' : ''}…`);
}
