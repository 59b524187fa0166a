/**
 * The server's code lens command `netpol-lsp.showReferences` carries the arguments of VS Code's
 * `editor.action.showReferences` (uri, position, locations) as plain LSP JSON; this turns them
 * into vscode objects and opens the references peek view. Malformed arguments are dropped.
 */
import * as vscode from 'vscode';

export const SHOW_REFERENCES = 'netpol-lsp.showReferences';

interface LspPosition {
  line: number;
  character: number;
}

function isPosition(value: unknown): value is LspPosition {
  const p = value as LspPosition | null;
  return typeof p === 'object' && p !== null && Number.isInteger(p.line) && Number.isInteger(p.character)
    && p.line >= 0 && p.character >= 0;
}

function asPosition(p: LspPosition): vscode.Position {
  return new vscode.Position(p.line, p.character);
}

function asLocation(value: unknown): vscode.Location | undefined {
  const l = value as { uri?: unknown; range?: { start?: unknown; end?: unknown } } | null;
  if (typeof l !== 'object' || l === null || typeof l.uri !== 'string' || !l.range
    || !isPosition(l.range.start) || !isPosition(l.range.end)) {
    return undefined;
  }
  return new vscode.Location(vscode.Uri.parse(l.uri), new vscode.Range(asPosition(l.range.start), asPosition(l.range.end)));
}

/** (uri, position, locations) for `editor.action.showReferences`, or undefined when malformed. */
export function referencesArgs(
  uri: unknown,
  position: unknown,
  locations: unknown,
): [vscode.Uri, vscode.Position, vscode.Location[]] | undefined {
  if (typeof uri !== 'string' || !isPosition(position) || !Array.isArray(locations)) {
    return undefined;
  }
  const converted = locations.map(asLocation).filter((l): l is vscode.Location => l !== undefined);
  return [vscode.Uri.parse(uri), asPosition(position), converted];
}

/** The handler of `netpol-lsp.showReferences`. */
export async function showReferences(uri: unknown, position: unknown, locations: unknown): Promise<void> {
  const args = referencesArgs(uri, position, locations);
  if (args) {
    await vscode.commands.executeCommand('editor.action.showReferences', ...args);
  }
}
