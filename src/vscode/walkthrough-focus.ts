import * as vscode from 'vscode';

/**
 * How long VS Code's walkthrough page waits before it focuses a step it selected (with its
 * animation on), plus a margin: `selectStep` runs `setTimeout(() => step.focus(), 250)`
 * (microsoft/vscode src/vs/workbench/contrib/welcomeGettingStarted/browser/gettingStarted.ts).
 */
const STEP_FOCUS_MS = 250 + 200;

/**
 * Waits until an open walkthrough has stopped taking the keyboard, when it is the active editor.
 *
 * Run from the Command Palette with Enter while the walkthrough has the focus, a command's picker
 * loses the keyboard: the palette closes on the Enter key's keydown and gives the focus back to
 * the walkthrough step, the step gets the keyup, and the walkthrough acts on a keyup of Enter or
 * Space (its `registerDispatchListeners`) by selecting the step again, which focuses it 250 ms
 * later, after the picker has opened. Typing then goes to the walkthrough (issue 29, item 2). The
 * picker shown after that moment keeps the keyboard; nothing else waits.
 */
export async function afterWalkthroughFocus(): Promise<void> {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  // The walkthrough's editor has no input type the API knows; its tab is "Welcome" or "Walkthrough: …".
  if (!tab || tab.input !== undefined || !/^(Welcome$|Walkthrough: )/.test(tab.label)) return;
  await new Promise((resolve) => setTimeout(resolve, STEP_FOCUS_MS));
}
