/**
 * The bundled extension (dist/extension.js, as packaged) activates against the stubbed vscode
 * module: it registers the commands package.json contributes and, with no server to be found,
 * shows one notification that says how to install it (again only when the user asks).
 */
import { resetStub, state } from './vscodeStub';

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'dist', 'extension.js');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

interface Extension {
  activate(context: unknown): Promise<void>;
  deactivate(): Promise<void>;
}

function context() {
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath: root,
    extensionUri: { fsPath: root, scheme: 'file', path: root },
  };
}

describe('activation of the bundled extension', { skip: !fs.existsSync(bundle) && 'run npm run compile first' }, () => {
  let savedPath: string | undefined;
  let emptyDir: string;
  let extension: Extension;

  before(() => {
    savedPath = process.env.PATH;
    emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-lsp-empty-path-'));
    process.env.PATH = emptyDir; // no netpol-lsp anywhere
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    extension = require(bundle) as Extension;
  });
  after(() => {
    process.env.PATH = savedPath;
    fs.rmSync(emptyDir, { recursive: true, force: true });
  });
  beforeEach(resetStub);

  it('registers exactly the contributed commands, plus the code lens\'s internal one', async () => {
    await extension.activate(context());
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual([...state.commands.keys()].sort(), [...contributed, 'netpol-lsp.showReferences'].sort());
    assert.deepEqual(contributed, ['netpol-lsp.explainWorkload', 'netpol-lsp.restartServer', 'netpol-lsp.showConnectivity',
      'netpol-lsp.showDiff']);
    await extension.deactivate();
  });

  it('no server: one notification with the install command, not repeated by automatic restarts', async () => {
    await extension.activate(context());
    // the module remembers it already told the user in this session (previous test)
    resetStub();
    const fresh = context();
    // a new extension host: load a fresh copy of the bundle
    delete require.cache[bundle];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reloaded = require(bundle) as Extension;
    await reloaded.activate(fresh);
    assert.equal(state.messages.length, 1, JSON.stringify(state.messages));
    const [note] = state.messages;
    assert.equal(note.level, 'error');
    assert.match(note.text, /pipx install \/path\/to\/netpol-lsp/);
    assert.doesNotMatch(note.text, /pip install netpol-lsp/);
    assert.match(note.text, /netpol-lsp\.path/);
    assert.deepEqual(note.actions, ['Open Settings', 'Copy install command']);
    assert.ok(state.output.some((l) => l.includes('netpol-lsp not found')), state.output.join('\n'));

    // changing the path setting restarts the server: still not found, but no second notification
    const changed = { affectsConfiguration: (s: string) => s === 'netpol-lsp.path' || s === 'netpol-lsp' };
    await Promise.all(state.configListeners.map((l) => l(changed)));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(state.messages.length, 1);

    // the user asks: they are told again
    await state.commands.get('netpol-lsp.restartServer')?.();
    assert.equal(state.messages.length, 2);
    await reloaded.deactivate();
  });

  it('a wrong netpol-lsp.path is named in the notification', async () => {
    delete require.cache[bundle];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reloaded = require(bundle) as Extension;
    state.config = { 'netpol-lsp.path': '/nonexistent/netpol-lsp' };
    await reloaded.activate(context());
    assert.equal(state.messages.length, 1);
    assert.match(state.messages[0].text, /"netpol-lsp\.path" is "\/nonexistent\/netpol-lsp"/);
    await reloaded.deactivate();
  });
});
