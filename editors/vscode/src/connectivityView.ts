/**
 * The HTML of the "netpol-lsp: Show connectivity" webview. Pure: everything that comes from
 * VS Code (the webview's CSP source, the script URIs, a nonce) is passed in, so the page can
 * be tested as a string.
 *
 * Security: a strict Content-Security-Policy (no default sources, scripts only with the
 * page's nonce, images only from the extension or inline data: URIs); the mermaid source and
 * every other text from the workspace are HTML-escaped; an SVG is shown through <img>, which
 * never runs its scripts; mermaid runs with securityLevel "strict".
 */
import { randomBytes } from 'crypto';

export type ConnectivityContent =
  | { kind: 'mermaid'; source: string }
  | { kind: 'svg'; svg: string }
  | { kind: 'text'; text: string; note?: string }
  | { kind: 'error'; message: string };

export interface ViewOptions {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh random token per render. */
  nonce: string;
  /** webview.asWebviewUri(media/mermaid.min.js); required for mermaid content. */
  mermaidScriptUri?: string;
  /** webview.asWebviewUri(media/connectivity.js) */
  viewScriptUri: string;
  /** The workspace folder shown in the header. */
  folderName: string;
}

export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Attribute values we build ourselves (URIs): escaped too, in case a path holds a quote. */
function attr(text: string): string {
  return escapeHtml(text);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    // mermaid writes <style> elements into the SVG it renders
    `style-src ${cspSource} 'unsafe-inline'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function buildConnectivityHtml(content: ConnectivityContent, options: ViewOptions): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(options.nonce)) {
    throw new Error('nonce must be base64 or hex');
  }
  const nonce = options.nonce;
  const scripts: string[] = [];
  let body: string;
  switch (content.kind) {
    case 'mermaid':
      if (!options.mermaidScriptUri) {
        throw new Error('mermaid content needs mermaidScriptUri');
      }
      scripts.push(`<script nonce="${nonce}" src="${attr(options.mermaidScriptUri)}"></script>`);
      body =
        `<pre class="mermaid" id="graph">${escapeHtml(content.source)}</pre>\n` +
        '<details><summary>Mermaid source</summary>' +
        `<pre class="source">${escapeHtml(content.source)}</pre></details>`;
      break;
    case 'svg': {
      const data = Buffer.from(content.svg, 'utf8').toString('base64');
      body = `<img class="graph" alt="connectivity graph" src="data:image/svg+xml;base64,${data}">`;
      break;
    }
    case 'text':
      body =
        (content.note ? `<p class="note">${escapeHtml(content.note)}</p>\n` : '') +
        `<pre class="source">${escapeHtml(content.text)}</pre>`;
      break;
    case 'error':
      body = `<p class="error">${escapeHtml(content.message)}</p>`;
      break;
  }
  scripts.push(`<script nonce="${nonce}" src="${attr(options.viewScriptUri)}"></script>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(options.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Connectivity: ${escapeHtml(options.folderName)}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
  header { display: flex; align-items: center; gap: 1em; }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background);
           border: none; padding: 4px 10px; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  pre.mermaid { background: transparent; }
  pre.source { font-family: var(--vscode-editor-font-family); white-space: pre-wrap; }
  img.graph { max-width: 100%; background: white; }
  .error { color: var(--vscode-errorForeground); }
  .note { color: var(--vscode-descriptionForeground); }
</style>
</head>
<body data-kind="${content.kind}">
<header><h2>Allowed connections: ${escapeHtml(options.folderName)}</h2><button id="refresh">Refresh</button></header>
<p id="render-error" class="error" hidden></p>
${body}
${scripts.join('\n')}
</body>
</html>
`;
}
