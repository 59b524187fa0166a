/**
 * A stand-in for the `vscode` module, which exists only inside VS Code. Importing this file
 * first makes `require('vscode')` return `vscodeStub`, whose state the tests set.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('module');
import * as path from 'path';

export const state: {
  config: Record<string, unknown>;
  extensions: Record<string, unknown>;
  lastScope: unknown;
  commands: Map<string, (...args: unknown[]) => unknown>;
  messages: { level: string; text: string; actions: string[] }[];
  configListeners: ((e: { affectsConfiguration(s: string): boolean }) => unknown)[];
  output: string[];
  executed: { command: string; args: unknown[] }[];
} = {
  config: {},
  extensions: {},
  lastScope: undefined,
  commands: new Map(),
  messages: [],
  configListeners: [],
  output: [],
  executed: [],
};

/**
 * Anything the tests do not model: a function, a class and an object at once, whose every
 * property is another such thing, so vscode-languageclient can load (it extends vscode
 * classes at import time).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function universal(name = 'vscode'): any {
  const target = function () {
    /* stub */
  } as unknown as Record<string | symbol, unknown>;
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'then') {
        return undefined; // not a promise
      }
      if (prop === Symbol.toPrimitive) {
        return () => name;
      }
      if (!(prop in t)) {
        t[prop] = universal(`${name}.${String(prop)}`);
      }
      return t[prop];
    },
    apply() {
      return universal(`${name}()`);
    },
    construct() {
      return universal(`new ${name}`);
    },
  });
}

const disposable = { dispose: () => undefined };

function message(level: string) {
  return (text: string, ...actions: unknown[]) => {
    state.messages.push({ level, text, actions: actions.filter((a): a is string => typeof a === 'string') });
    return Promise.resolve(undefined);
  };
}

class Uri {
  constructor(public readonly scheme: string, public readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static parse(text: string): Uri {
    return text.startsWith('file://') ? new Uri('file', decodeURIComponent(text.slice(7))) : new Uri('unknown', text);
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

class Position {
  constructor(public readonly line: number, public readonly character: number) {}
}

class Range {
  constructor(public readonly start: Position, public readonly end: Position) {}
}

class Location {
  constructor(public readonly uri: Uri, public readonly range: Range) {}
}

const base: Record<string, unknown> = {
  Uri,
  Position,
  Range,
  Location,
  commands: {
    registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
      state.commands.set(id, fn);
      return { dispose: () => state.commands.delete(id) };
    },
    executeCommand: async (command: string, ...args: unknown[]) => {
      state.executed.push({ command, args });
      return undefined;
    },
  },
  window: {
    createOutputChannel: () => ({
      appendLine: (line: string) => state.output.push(line),
      append: (text: string) => state.output.push(text),
      show: () => undefined,
      dispose: () => undefined,
    }),
    showErrorMessage: message('error'),
    showWarningMessage: message('warning'),
    showInformationMessage: message('information'),
  },
  workspace: {
    workspaceFolders: undefined,
    onDidChangeConfiguration(listener: (e: { affectsConfiguration(s: string): boolean }) => unknown) {
      state.configListeners.push(listener);
      return disposable;
    },
    getConfiguration(section: string, scope?: unknown) {
      state.lastScope = scope;
      return {
        get<T>(key: string): T | undefined {
          return state.config[`${section}.${key}`] as T | undefined;
        },
      };
    },
  },
  extensions: {
    getExtension(id: string) {
      return state.extensions[id];
    },
  },
};

export const vscodeStub = new Proxy(base, {
  get(t, prop: string | symbol) {
    if (typeof prop === 'string' && !(prop in t)) {
      t[prop] = universal(`vscode.${prop}`);
    }
    return t[prop as string];
  },
});

export function resetStub(): void {
  state.config = {};
  state.extensions = {};
  state.lastScope = undefined;
  state.commands.clear();
  state.messages = [];
  state.configListeners = [];
  state.output = [];
  state.executed = [];
}

type Resolver = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return request === 'vscode' ? 'vscode' : original.call(this, request, ...rest);
};
mod._cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };
