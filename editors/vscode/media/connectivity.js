// Runs inside the "Show connectivity" webview: renders the mermaid graph with the bundled
// mermaid (no network) and forwards the Refresh button to the extension.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const refresh = document.getElementById('refresh');
  if (refresh) {
    refresh.addEventListener('click', function () {
      vscode.postMessage({ type: 'refresh' });
    });
  }
  if (document.body.dataset.kind !== 'mermaid' || typeof mermaid === 'undefined') {
    return;
  }
  const classes = document.body.classList;
  const dark = classes.contains('vscode-dark') || classes.contains('vscode-high-contrast');
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: 'strict',
    theme: dark ? 'dark' : 'default',
    maxTextSize: 5000000,
    maxEdges: 100000,
  });
  mermaid.run({ querySelector: 'pre.mermaid' }).then(
    function () {
      document.body.dataset.rendered = 'true';
    },
    function (err) {
      const box = document.getElementById('render-error');
      if (box) {
        box.textContent = 'The graph could not be drawn: ' + (err && err.message ? err.message : String(err));
        box.hidden = false;
      }
      document.body.dataset.rendered = 'error';
    },
  );
})();
