// The e2e stand-in for ms-vscode.hexeditor (see package.json): a read-only custom editor `hexEditor.hexedit` that
// reads the first 64 bytes of the resource through VS Code's file system API, as the real Hex Editor reads debug
// memory (vscode-debug-memory://SESSION/REF/NAME.bin?range=FROM:TO), and shows them as hex: one
// <span class="byte" data-offset="N">xx</span> per byte in #bytes, the resource in #uri, or the error in #error.
const vscode = require('vscode');

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

async function render(uri) {
  let body;
  try {
    const ranged = uri.scheme === 'vscode-debug-memory' ? uri.with({ query: 'range=0:64' }) : uri;
    const data = await vscode.workspace.fs.readFile(ranged);
    const bytes = [...data.subarray(0, 64)].map((b, i) => `<span class="byte" data-offset="${i}">${b.toString(16).padStart(2, '0')}</span>`);
    body = `<pre id="bytes">${bytes.join(' ')}</pre>`;
  } catch (e) {
    body = `<pre id="error">${esc(e && e.message ? e.message : e)}</pre>`;
  }
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none';"></head>` +
    `<body><div id="uri">${esc(uri.toString())}</div>${body}</body></html>`;
}

exports.activate = (ctx) => {
  ctx.subscriptions.push(vscode.window.registerCustomEditorProvider('hexEditor.hexedit', {
    openCustomDocument: (uri) => ({ uri, dispose() {} }),
    resolveCustomEditor: async (doc, panel) => {
      panel.webview.options = { enableScripts: false };
      panel.webview.html = await render(doc.uri);
    },
  }, { supportsMultipleEditorsPerDocument: true }));
};
exports.deactivate = () => {};
