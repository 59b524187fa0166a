/**
 * Finding the `netpol-lsp` executable, in this order:
 *
 *   1. the setting `netpol-lsp.path`;
 *   2. the Python environment the Python extension (ms-python.python) selected:
 *      its bin/ (Scripts\ on Windows) holds the `netpol-lsp` console script;
 *   3. `netpol-lsp` on PATH.
 *
 * Everything the search touches (file system, PATH, platform, the Python extension)
 * comes in through `DiscoveryHost`, so the order can be tested without VS Code.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const EXECUTABLE = 'netpol-lsp';
export const PYTHON_EXTENSION_ID = 'ms-python.python';
// netpol-lsp is not published on PyPI yet (a bare `pip install netpol-lsp` finds nothing):
// it is installed from a checkout of its repository.
export const INSTALL_COMMAND = 'pipx install /path/to/netpol-lsp';
export const INSTALL_HINT =
  'netpol-lsp is not on PyPI yet: install it from a checkout of its repository with ' +
  '`pipx install /path/to/netpol-lsp` (puts it on PATH), or `python -m pip install /path/to/netpol-lsp` ' +
  'into the Python environment selected in VS Code, or set "netpol-lsp.path" to the executable.';

export type ServerSource = 'setting' | 'python' | 'path';

export interface ServerCommand {
  /** Absolute path of the executable (or the configured command). */
  command: string;
  /** Arguments that start the language server. */
  args: string[];
  /** Where it was found, for the log. */
  source: ServerSource;
}

export interface DiscoveryResult {
  server?: ServerCommand;
  /** Set when nothing was found, or the setting points nowhere: the text of the one notification. */
  problem?: string;
  /** Every candidate looked at, in order, for the output channel. */
  tried: string[];
}

export interface DiscoveryHost {
  /** Value of `netpol-lsp.path` ('' or undefined: not set). */
  configuredPath?: string;
  /** The first workspace folder, for `${workspaceFolder}` in the setting. */
  workspaceFolder?: string;
  /** The interpreter the Python extension selected, or undefined. */
  pythonInterpreter(): Promise<string | undefined>;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  isExecutableFile(file: string): boolean;
  isDirectory(file: string): boolean;
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Names an executable may have on this platform (PATHEXT on Windows). */
function executableNames(base: string, host: DiscoveryHost): string[] {
  if (host.platform !== 'win32') {
    return [base];
  }
  const exts = (host.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD')
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e.length > 0);
  if (exts.some((e) => base.toLowerCase().endsWith(e))) {
    return [base];
  }
  return exts.map((e) => base + e);
}

function pathValue(env: NodeJS.ProcessEnv): string {
  // Windows spells it Path; a plain object lookup is case-sensitive.
  for (const key of Object.keys(env)) {
    if (key.toUpperCase() === 'PATH') {
      return env[key] ?? '';
    }
  }
  return '';
}

/** Look a bare command name up on PATH. */
export function searchPath(name: string, host: DiscoveryHost, tried: string[] = []): string | undefined {
  const p = pathApi(host.platform);
  const sep = host.platform === 'win32' ? ';' : ':';
  for (const dir of pathValue(host.env).split(sep)) {
    if (!dir) {
      continue;
    }
    for (const candidate of executableNames(name, host)) {
      const file = p.join(dir, candidate);
      tried.push(file);
      if (host.isExecutableFile(file)) {
        return file;
      }
    }
  }
  return undefined;
}

/** Expand `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in the setting. */
export function expandConfiguredPath(value: string, host: DiscoveryHost): string {
  let out = value.trim();
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = host.homedir + out.slice(1);
  }
  out = out.replace(/\$\{userHome\}/g, host.homedir);
  if (host.workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, host.workspaceFolder);
  }
  out = out.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => host.env[name] ?? '');
  return out;
}

/** Where the console script sits next to an interpreter (or inside an environment folder). */
export function scriptCandidates(interpreter: string, host: DiscoveryHost): string[] {
  const p = pathApi(host.platform);
  const dirs: string[] = [];
  if (host.isDirectory(interpreter)) {
    // Some environments (conda without python, a venv root) come as a folder.
    dirs.push(host.platform === 'win32' ? p.join(interpreter, 'Scripts') : p.join(interpreter, 'bin'));
    if (host.platform === 'win32') {
      dirs.push(interpreter);
    }
  } else {
    const dir = p.dirname(interpreter);
    dirs.push(dir);
    if (host.platform === 'win32') {
      // A base or conda install keeps python.exe at the root and scripts in Scripts\.
      dirs.push(p.join(dir, 'Scripts'));
    }
  }
  const out: string[] = [];
  for (const dir of dirs) {
    for (const name of executableNames(EXECUTABLE, host)) {
      out.push(p.join(dir, name));
    }
  }
  return out;
}

export async function discoverServer(host: DiscoveryHost): Promise<DiscoveryResult> {
  const tried: string[] = [];
  const p = pathApi(host.platform);
  const serve = ['serve'];

  // 1. The setting wins, and when it is wrong we say so rather than silently use another one.
  const configured = host.configuredPath?.trim();
  if (configured) {
    const expanded = expandConfiguredPath(configured, host);
    const hasSeparator = expanded.includes('/') || (host.platform === 'win32' && expanded.includes('\\'));
    if (hasSeparator) {
      const absolute = p.isAbsolute(expanded) || host.workspaceFolder === undefined
        ? expanded
        : p.join(host.workspaceFolder, expanded);
      for (const candidate of executableNames(absolute, host)) {
        tried.push(candidate);
        if (host.isExecutableFile(candidate)) {
          return { server: { command: candidate, args: serve, source: 'setting' }, tried };
        }
      }
    } else {
      const found = searchPath(expanded, host, tried);
      if (found) {
        return { server: { command: found, args: serve, source: 'setting' }, tried };
      }
    }
    return {
      problem: `netpol-lsp: the setting "netpol-lsp.path" is "${configured}", which is not an executable file. ` +
        'Fix the setting, or clear it to use the Python environment or PATH.',
      tried,
    };
  }

  // 2. The interpreter the Python extension selected.
  let interpreter: string | undefined;
  try {
    interpreter = await host.pythonInterpreter();
  } catch {
    interpreter = undefined;
  }
  if (interpreter) {
    for (const candidate of scriptCandidates(interpreter, host)) {
      tried.push(candidate);
      if (host.isExecutableFile(candidate)) {
        return { server: { command: candidate, args: serve, source: 'python' }, tried };
      }
    }
  }

  // 3. PATH.
  const onPath = searchPath(EXECUTABLE, host, tried);
  if (onPath) {
    return { server: { command: onPath, args: serve, source: 'path' }, tried };
  }

  const where = interpreter
    ? `neither in the selected Python environment (${interpreter}) nor on PATH`
    : 'not on PATH';
  return {
    problem: `netpol-lsp: the language server executable "netpol-lsp" was not found (${where}). ${INSTALL_HINT}`,
    tried,
  };
}

/* ----------------------------------------------------------------------------------------
 * The Python extension. Only the parts of its API we use, typed loosely: the API has
 * changed shape over the years, so every step is optional.
 */

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath?(resource?: unknown): { id?: string; path?: string } | undefined;
  resolveEnvironment?(env: unknown): Promise<{ executable?: { uri?: { fsPath?: string } } } | undefined>;
  onDidChangeActiveEnvironmentPath?: (listener: () => void) => { dispose(): void };
}

export interface PythonExtensionApi {
  environments?: PythonEnvironmentsApi;
  settings?: {
    getExecutionDetails?(resource?: unknown): { execCommand?: string[] } | undefined;
  };
  ready?: Promise<void>;
}

export interface ExtensionLike {
  isActive: boolean;
  exports: unknown;
  activate(): Thenable<unknown>;
}

export interface ExtensionsLike {
  getExtension(id: string): ExtensionLike | undefined;
}

/** The Python extension's API, activating it if needed; undefined when it is not installed. */
export async function pythonExtensionApi(extensions: ExtensionsLike): Promise<PythonExtensionApi | undefined> {
  const ext = extensions.getExtension(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  try {
    const api = (ext.isActive ? ext.exports : await ext.activate()) as PythonExtensionApi | undefined;
    if (api?.ready) {
      await api.ready;
    }
    return api ?? undefined;
  } catch {
    return undefined;
  }
}

/** The interpreter the Python extension selected for `resource`, or undefined. */
export async function selectedInterpreter(
  extensions: ExtensionsLike,
  resource?: unknown,
): Promise<string | undefined> {
  const api = await pythonExtensionApi(extensions);
  if (!api) {
    return undefined;
  }
  const envs = api.environments;
  if (envs?.getActiveEnvironmentPath) {
    try {
      const active = envs.getActiveEnvironmentPath(resource);
      if (active) {
        const resolved = envs.resolveEnvironment ? await envs.resolveEnvironment(active) : undefined;
        const exe = resolved?.executable?.uri?.fsPath;
        if (exe) {
          return exe;
        }
        if (active.path) {
          return active.path;
        }
      }
    } catch {
      // fall through to the older API
    }
  }
  try {
    const details = api.settings?.getExecutionDetails?.(resource);
    const exe = details?.execCommand?.[0];
    return exe || undefined;
  } catch {
    return undefined;
  }
}

/** The real host: this machine's file system and environment. */
export function nodeHost(options: {
  configuredPath?: string;
  workspaceFolder?: string;
  pythonInterpreter(): Promise<string | undefined>;
}): DiscoveryHost {
  return {
    ...options,
    env: process.env,
    platform: process.platform,
    homedir: os.homedir(),
    isExecutableFile(file: string): boolean {
      try {
        if (!fs.statSync(file).isFile()) {
          return false;
        }
        if (process.platform !== 'win32') {
          fs.accessSync(file, fs.constants.X_OK);
        }
        return true;
      } catch {
        return false;
      }
    },
    isDirectory(file: string): boolean {
      try {
        return fs.statSync(file).isDirectory();
      } catch {
        return false;
      }
    },
  };
}
