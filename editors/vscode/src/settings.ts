/**
 * VS Code settings (`netpol-lsp.*`) -> the server's "netpol-lsp" configuration section,
 * sent as initializationOptions, in answer to workspace/configuration, and with
 * workspace/didChangeConfiguration.
 *
 * Only what the user set is sent: an empty value means "use .netpol-lsp.yaml or the
 * server's default", so the editor never overrides the workspace file with blanks.
 * `netpol-lsp.path` and `netpol-lsp.trace.server` stay on the client.
 */
import * as vscode from 'vscode';

export const SECTION = 'netpol-lsp';

export type RuleLevel = 'off' | 'error' | 'warning' | 'info';
const LEVELS: ReadonlySet<string> = new Set(['off', 'error', 'warning', 'info']);
const LEVEL_ALIASES: Record<string, RuleLevel> = {
  warn: 'warning',
  information: 'info',
  hint: 'info',
  none: 'off',
  disable: 'off',
  disabled: 'off',
};

export interface ServerSettings {
  cni?: string;
  rules?: Record<string, RuleLevel>;
  exclude?: string[];
  databasePorts?: number[];
}

/** What we need of a vscode.WorkspaceConfiguration. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
}

export interface MappedSettings {
  settings: ServerSettings;
  /** Values that were dropped, one line each, for the output channel. */
  problems: string[];
}

function normalizeLevel(value: unknown): RuleLevel | undefined {
  if (typeof value === 'boolean') {
    return value ? undefined : 'off';
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  const v = value.trim().toLowerCase();
  if (LEVELS.has(v)) {
    return v as RuleLevel;
  }
  return LEVEL_ALIASES[v];
}

/** Map the `netpol-lsp` configuration to the server's section, keeping only what is set and valid. */
export function mapSettings(config: ConfigurationLike): MappedSettings {
  const settings: ServerSettings = {};
  const problems: string[] = [];

  const cni = config.get<unknown>('cni');
  if (typeof cni === 'string' && cni.trim() !== '') {
    settings.cni = cni.trim().toLowerCase();
  } else if (cni !== undefined && cni !== null && typeof cni !== 'string') {
    problems.push('netpol-lsp.cni must be a string');
  }

  const rules = config.get<unknown>('rules');
  if (rules && typeof rules === 'object' && !Array.isArray(rules)) {
    const out: Record<string, RuleLevel> = {};
    for (const [key, value] of Object.entries(rules as Record<string, unknown>)) {
      const id = key.trim();
      const level = normalizeLevel(value);
      if (!id) {
        continue;
      }
      if (level === undefined) {
        problems.push(`netpol-lsp.rules.${id}: ${JSON.stringify(value)} is not one of off, error, warning, info`);
        continue;
      }
      // Ids are upper case (NP020); names are lower case (open-database-port).
      out[/^np\d+$/i.test(id) ? id.toUpperCase() : id] = level;
    }
    if (Object.keys(out).length > 0) {
      settings.rules = out;
    }
  } else if (rules !== undefined && rules !== null) {
    problems.push('netpol-lsp.rules must be an object of rule id or name to off|error|warning|info');
  }

  const exclude = config.get<unknown>('exclude');
  if (Array.isArray(exclude)) {
    const globs = exclude.filter((g): g is string => typeof g === 'string' && g.trim() !== '').map((g) => g.trim());
    if (globs.length !== exclude.length) {
      problems.push('netpol-lsp.exclude: entries that are not non-empty strings were dropped');
    }
    if (globs.length > 0) {
      settings.exclude = globs;
    }
  } else if (typeof exclude === 'string' && exclude.trim() !== '') {
    settings.exclude = [exclude.trim()];
  }

  const ports = config.get<unknown>('databasePorts');
  if (Array.isArray(ports)) {
    const seen = new Set<number>();
    for (const port of ports) {
      const n = typeof port === 'string' && /^\d+$/.test(port.trim()) ? Number(port.trim()) : port;
      if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535) {
        seen.add(n);
      } else {
        problems.push(`netpol-lsp.databasePorts: ${JSON.stringify(port)} is not a port number (1-65535)`);
      }
    }
    if (seen.size > 0) {
      settings.databasePorts = [...seen].sort((a, b) => a - b);
    }
  }

  return { settings, problems };
}

/** The server's section for a scope (a folder or file URI), read from VS Code. */
export function readServerSettings(scope?: vscode.Uri): MappedSettings {
  return mapSettings(vscode.workspace.getConfiguration(SECTION, scope ?? null));
}

/** The client-side `netpol-lsp.path` setting. */
export function readServerPath(): string {
  return vscode.workspace.getConfiguration(SECTION).get<string>('path') ?? '';
}

/** Does a configuration change need a new server process (rather than a didChangeConfiguration)? */
export function needsRestart(event: { affectsConfiguration(section: string): boolean }): boolean {
  return event.affectsConfiguration(`${SECTION}.path`);
}

/** Does a configuration change concern the server's section? */
export function affectsServer(event: { affectsConfiguration(section: string): boolean }): boolean {
  return ['cni', 'rules', 'exclude', 'databasePorts'].some((k) => event.affectsConfiguration(`${SECTION}.${k}`));
}
