// A small fake of the `vscode` surface the adapters' own logic uses (tree items, markdown,
// theme icons, status bar items, commands, messages), so that logic is unit-tested without a
// browser. What only a real workbench shows (focus, toasts, the tree drawn) stays in the host
// scenarios (test/host). Import this module before any module under src/vscode.
import Module from 'node:module';

export const calls = {
  commands: [] as { command: string; args: unknown[] }[],
  errors: [] as { message: string; items: string[] }[],
  warnings: [] as { message: string; items: string[]; modal: boolean }[],
  infos: [] as string[],
  picks: [] as { items: QuickPick[]; title?: string }[],
  inputs: [] as InputOptions[],
  opened: [] as string[],
};
/** The options of `showInputBox` the adapters pass (the fields the tests read). */
export type InputOptions = {
  title?: string;
  prompt?: string;
  value?: string;
  password?: boolean;
  validateInput?: (v: string) => unknown;
};

/** A `createInputBox` box a test drives: types into it, presses Enter, Escape or its button. */
export class InputBox {
  title?: string;
  prompt?: string;
  password = false;
  ignoreFocusOut = false;
  value = '';
  buttons: unknown[] = [];
  validationMessage: unknown;
  private readonly changed = new EventEmitter<string>();
  private readonly accepted = new EventEmitter<undefined>();
  private readonly hidden = new EventEmitter<undefined>();
  private readonly button = new EventEmitter<unknown>();
  readonly onDidChangeValue = this.changed.event;
  readonly onDidAccept = this.accepted.event;
  readonly onDidHide = this.hidden.event;
  readonly onDidTriggerButton = this.button.event;
  disposed = false;
  type(v: string) {
    this.value = v;
    this.changed.fire(v);
  }
  accept() {
    this.accepted.fire(undefined);
  }
  hide() {
    this.hidden.fire(undefined);
  }
  press(i = 0) {
    this.button.fire(this.buttons[i]);
  }
  show() {
    const drive = answers.box;
    answers.box = undefined;
    drive?.(this);
  }
  dispose() {
    this.disposed = true;
  }
}
/** A quick pick item as the adapters build them (the fields the tests read). */
export type QuickPick = { label: string; description?: string; detail?: string; kind?: number } & Record<
  string,
  unknown
>;
/** What the next `showErrorMessage` resolves to (a button title), then reset. */
export const answers = {
  error: undefined as string | undefined,
  /** What the next `showWarningMessage` resolves to (a button title), then reset. */
  warning: undefined as string | undefined,
  /** What the next `showInformationMessage` resolves to (a button title), then reset. */
  info: undefined as string | undefined,
  /** Chooses from the next quick pick (undefined: dismissed), then reset. */
  pick: undefined as ((items: QuickPick[]) => QuickPick | QuickPick[] | undefined) | undefined,
  /** What the next `showInputBox` calls resolve to, in order (undefined: Escape). */
  inputs: [] as (string | undefined)[],
  /** Drives the next `createInputBox` when it is shown. */
  box: undefined as ((box: InputBox) => void) | undefined,
};
/** Handlers given to `commands.registerCommand`, by command id. */
export const registered = new Map<string, (...args: unknown[]) => unknown>();
export const config = new Map<string, unknown>();
export const workspace = {
  isTrusted: true,
  getConfiguration: (section?: string) => ({
    get: <T>(key: string, fallback?: T): T | undefined =>
      config.has(`${section}.${key}`) ? (config.get(`${section}.${key}`) as T) : fallback,
  }),
};

class EventEmitter<T> {
  private listeners = new Set<(v: T) => void>();
  readonly event = (l: (v: T) => void) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(v: T) {
    for (const l of this.listeners) l(v);
  }
  dispose() {
    this.listeners.clear();
  }
}

class MarkdownString {
  isTrusted?: boolean;
  supportThemeIcons?: boolean;
  constructor(public value = '') {}
  appendMarkdown(s: string) {
    this.value += s;
    return this;
  }
  appendText(s: string) {
    this.value += s;
    return this;
  }
  appendCodeblock(code: string, language = '') {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}

const fake = {
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  InputBoxValidationSeverity: { Info: 1, Warning: 2, Error: 3 },
  QuickPickItemKind: { Separator: -1, Default: 0 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  TreeItem: class {
    id?: string;
    description?: string;
    tooltip?: unknown;
    contextValue?: string;
    iconPath?: unknown;
    accessibilityInformation?: unknown;
    command?: unknown;
    constructor(
      public label: string,
      public collapsibleState = 0,
    ) {}
  },
  ThemeIcon: class {
    constructor(
      public id: string,
      public color?: unknown,
    ) {}
  },
  ThemeColor: class {
    constructor(public id: string) {}
  },
  MarkdownString,
  EventEmitter,
  Disposable: class {
    constructor(private readonly fn: () => void) {}
    static from(...ds: { dispose(): unknown }[]) {
      return { dispose: () => ds.forEach((d) => d.dispose()) };
    }
    dispose() {
      this.fn();
    }
  },
  Uri: {
    file: (path: string) => ({ scheme: 'file', fsPath: path, path }),
    parse: (url: string) => ({ toString: () => url }),
  },
  env: {
    openExternal: async (uri: { toString(): string }) => {
      calls.opened.push(uri.toString());
      return true;
    },
  },
  workspace,
  commands: {
    executeCommand: async (command: string, ...args: unknown[]) => {
      calls.commands.push({ command, args });
      return undefined;
    },
    registerCommand: (command: string, fn: (...args: unknown[]) => unknown) => {
      registered.set(command, fn);
      return { dispose: () => registered.delete(command) };
    },
  },
  window: {
    // No editor open: Sign In does not wait for a walkthrough (src/vscode/walkthrough-focus.ts).
    tabGroups: { activeTabGroup: { activeTab: undefined } },
    showInformationMessage: async (message: string) => {
      calls.infos.push(message);
      const a = answers.info;
      answers.info = undefined;
      return a;
    },
    showWarningMessage: async (message: string, ...rest: unknown[]) => {
      const modal = typeof rest[0] === 'object' && !!(rest[0] as { modal?: boolean } | null)?.modal;
      const items = rest.filter((r): r is string => typeof r === 'string');
      calls.warnings.push({ message, items, modal });
      const a = answers.warning;
      answers.warning = undefined;
      return a;
    },
    showQuickPick: async (items: QuickPick[], options?: { title?: string }) => {
      calls.picks.push({ items, title: options?.title });
      const choose = answers.pick;
      answers.pick = undefined;
      return choose?.(items);
    },
    setStatusBarMessage: (message: string) => {
      calls.infos.push(message);
      return { dispose() {} };
    },
    showInputBox: async (options: InputOptions) => {
      calls.inputs.push(options);
      return answers.inputs.shift();
    },
    createInputBox: () => new InputBox(),
    withProgress: async <T>(_options: unknown, task: () => Promise<T>) => task(),
    showErrorMessage: async (message: string, ...items: string[]) => {
      calls.errors.push({ message, items });
      const a = answers.error;
      answers.error = undefined;
      return a;
    },
    createStatusBarItem: () => ({
      text: '',
      tooltip: undefined as unknown,
      command: undefined as unknown,
      backgroundColor: undefined as unknown,
      accessibilityInformation: undefined as unknown,
      visible: false,
      show() {
        this.visible = true;
      },
      hide() {
        this.visible = false;
      },
      dispose() {},
    }),
  },
};

// `require('vscode')` anywhere below gets the fake (the real module exists only in a host).
type Resolver = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };
const resolve = M._resolveFilename;
M._resolveFilename = (request, ...rest) => (request === 'vscode' ? 'vscode' : resolve(request, ...rest));
M._cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: fake };

export function reset(): void {
  calls.commands.length = 0;
  calls.errors.length = 0;
  calls.warnings.length = 0;
  calls.infos.length = 0;
  calls.picks.length = 0;
  calls.inputs.length = 0;
  calls.opened.length = 0;
  answers.inputs.length = 0;
  answers.box = undefined;
  answers.error = undefined;
  answers.warning = undefined;
  answers.info = undefined;
  answers.pick = undefined;
  registered.clear();
  config.clear();
  workspace.isTrusted = true;
}

/** A `vscode.Memento` in memory (globalState/workspaceState). */
export function memento(): {
  get<T>(key: string, fallback?: T): T | undefined;
  update(key: string, value: unknown): Promise<void>;
  keys(): readonly string[];
  readonly values: Map<string, unknown>;
} {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
    update: async (key, value) => void (value === undefined ? values.delete(key) : values.set(key, value)),
    keys: () => [...values.keys()],
  };
}
