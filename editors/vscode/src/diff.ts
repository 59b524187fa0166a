/**
 * `netpol-lsp.showDiff`: the command of the server's "vs HEAD: +2 connections, -1" code lens
 * (and of the palette). It asks the server for the whole connectivity diff against its base
 * revision (workspace/executeCommand `netpol-lsp.diff`) and opens the Markdown it returns.
 */
import * as vscode from 'vscode';

export const SHOW_DIFF = 'netpol-lsp.showDiff';
export const SERVER_DIFF = 'netpol-lsp.diff';

/** The Markdown of the server's answer, or a line saying why there is none. */
export function diffMarkdown(answer: unknown): string {
  const a = answer as { markdown?: unknown; reason?: unknown } | null;
  if (typeof a === 'object' && a !== null && typeof a.markdown === 'string') {
    return a.markdown;
  }
  return 'netpol-lsp: the server sent no connectivity diff.\n';
}

/** Runs the server command through `request` and shows the answer as a Markdown preview. */
export async function showDiff(request: ((command: string) => Promise<unknown>) | undefined): Promise<void> {
  if (!request) {
    void vscode.window.showErrorMessage('netpol-lsp: the language server is not running.');
    return;
  }
  const answer = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'netpol-lsp: comparing connectivity' },
    () => request(SERVER_DIFF),
  );
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: diffMarkdown(answer) });
  try {
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
  } catch {
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
