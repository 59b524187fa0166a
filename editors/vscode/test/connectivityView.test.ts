import './vscodeStub';

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { buildConnectivityHtml, contentSecurityPolicy, escapeHtml, makeNonce, ViewOptions } from '../src/connectivityView';

const options: ViewOptions = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'abc123',
  mermaidScriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/mermaid.min.js',
  viewScriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/connectivity.js',
  folderName: 'three-tier',
};

const MERMAID = [
  'graph LR',
  '  shop_web["shop/web[Deployment]"] -->|"TCP 8080"| shop_api["shop/api[Deployment]"]',
  '  shop_api -->|"TCP 3306"| shop_db["shop/db[StatefulSet]"]',
].join('\n');

function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/g) ?? [];
}

describe('connectivity webview HTML', () => {
  it('renders mermaid text in a <pre class="mermaid">, escaped, with the bundled mermaid script', () => {
    const html = buildConnectivityHtml({ kind: 'mermaid', source: MERMAID }, options);
    const escaped = escapeHtml(MERMAID);
    assert.ok(html.includes(`<pre class="mermaid" id="graph">${escaped}</pre>`));
    assert.ok(escaped.includes('--&gt;|&quot;TCP 8080&quot;|'));
    assert.ok(html.includes(`src="${options.mermaidScriptUri}"`));
    assert.ok(html.includes(`src="${options.viewScriptUri}"`));
    assert.ok(html.includes('data-kind="mermaid"'));
  });

  it('has a strict Content-Security-Policy and a nonce on every script', () => {
    const html = buildConnectivityHtml({ kind: 'mermaid', source: MERMAID }, options);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
    assert.ok(csp, 'CSP meta tag present');
    assert.equal(csp[1], contentSecurityPolicy(options.cspSource, options.nonce));
    assert.match(csp[1], /^default-src 'none'; /);
    assert.match(csp[1], /script-src 'nonce-abc123'(;|$)/);
    assert.doesNotMatch(csp[1], /unsafe-eval/);
    assert.doesNotMatch(csp[1], /script-src[^;]*unsafe-inline/);
    assert.doesNotMatch(csp[1], /https?:\/\/(?!file\+)/, 'no remote origins');
    const tags = scriptTags(html);
    assert.equal(tags.length, 2);
    for (const tag of tags) {
      assert.match(tag, /nonce="abc123"/);
      assert.match(tag, / src="/, 'no inline scripts');
    }
  });

  it('escapes hostile text from the workspace (names, labels, folder)', () => {
    const hostile = 'graph LR\n  a["</pre><script>alert(1)</script><img src=x onerror=alert(2)>"] --> b';
    const html = buildConnectivityHtml(
      { kind: 'mermaid', source: hostile },
      { ...options, folderName: '<b onclick="x()">ws</b>' },
    );
    assert.equal(scriptTags(html).length, 2, 'no script tag smuggled in');
    assert.ok(!html.includes('<img src=x'));
    assert.ok(!html.includes('<b onclick'));
    assert.ok(html.includes('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('&lt;b onclick=&quot;x()&quot;&gt;ws&lt;/b&gt;'));
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  });

  it('shows Graphviz SVG through <img> (never inline, so its scripts cannot run) without mermaid', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><text>a</text></svg>';
    const html = buildConnectivityHtml({ kind: 'svg', svg }, { ...options, mermaidScriptUri: undefined });
    const data = Buffer.from(svg, 'utf8').toString('base64');
    assert.ok(html.includes(`<img class="graph" alt="connectivity graph" src="data:image/svg+xml;base64,${data}">`));
    assert.ok(!html.includes('<svg'));
    assert.ok(!html.includes('mermaid.min.js'));
    assert.equal(scriptTags(html).length, 1);
  });

  it('falls back to the escaped list with a note, and shows errors escaped', () => {
    const text = buildConnectivityHtml(
      { kind: 'text', text: 'shop/web => shop/api : TCP 8080 <all>', note: 'Graphviz is missing' },
      options,
    );
    assert.ok(text.includes('<p class="note">Graphviz is missing</p>'));
    assert.ok(text.includes('shop/web =&gt; shop/api : TCP 8080 &lt;all&gt;'));
    const error = buildConnectivityHtml({ kind: 'error', message: 'exit 2: <boom>' }, options);
    assert.ok(error.includes('<p class="error">exit 2: &lt;boom&gt;</p>'));
  });

  it('requires a well-formed nonce and a mermaid URI for mermaid content', () => {
    assert.throws(() => buildConnectivityHtml({ kind: 'text', text: '' }, { ...options, nonce: "x' 'unsafe-inline" }));
    assert.throws(() =>
      buildConnectivityHtml({ kind: 'mermaid', source: 'graph LR' }, { ...options, mermaidScriptUri: undefined }),
    );
    const a = makeNonce();
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, makeNonce());
  });

  it('the webview script exists and talks only to the extension', () => {
    const script = fs.readFileSync(path.join(__dirname, '..', '..', 'media', 'connectivity.js'), 'utf8');
    assert.match(script, /securityLevel: 'strict'/);
    assert.match(script, /postMessage\(\{ type: 'refresh' \}\)/);
    assert.doesNotMatch(script, /https?:/);
  });
});
