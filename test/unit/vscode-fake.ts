// A small fake of the `vscode` surface the adapters' own logic uses (tree items, markdown,
// theme icons, status bar items, commands, messages), so that logic is unit-tested without a
// browser. What only a real workbench shows (focus, toasts, the tree drawn) stays in the host
// scenarios (test/host). Import this module before any module under src/vscode.
import Module from 'node:module';

export const calls = {
  commands: [] as { command: string; args: unknown[] }[],
  errors: [] as { message: string; items: string[] }[],
};
/** What the next `showErrorMessage` resolves to (a button title), then reset. */
export const answers = { error: undefined as string | undefined };
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
  Uri: { file: (path: string) => ({ scheme: 'file', fsPath: path, path }) },
  workspace,
  commands: {
    executeCommand: async (command: string, ...args: unknown[]) => {
      calls.commands.push({ command, args });
      return undefined;
    },
  },
  window: {
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
  answers.error = undefined;
  config.clear();
  workspace.isTrusted = true;
}
