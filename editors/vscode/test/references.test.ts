import { resetStub, state } from './vscodeStub';

import * as assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';

import { referencesArgs, SHOW_REFERENCES, showReferences } from '../src/references';

const lensArgs = [
  'file:///ws/api-allow-web.yaml',
  { line: 0, character: 0 },
  [
    { uri: 'file:///ws/api.yaml', range: { start: { line: 3, character: 2 }, end: { line: 3, character: 9 } } },
    { uri: 'file:///ws/web.yaml', range: { start: { line: 5, character: 0 }, end: { line: 7, character: 4 } } },
  ],
] as const;

describe('the code lens command netpol-lsp.showReferences', () => {
  beforeEach(resetStub);

  it('converts the LSP JSON arguments to vscode objects', () => {
    const args = referencesArgs(...lensArgs);
    assert.ok(args);
    const [uri, position, locations] = args;
    assert.ok(uri instanceof vscode.Uri);
    assert.equal(uri.fsPath, '/ws/api-allow-web.yaml');
    assert.ok(position instanceof vscode.Position);
    assert.deepEqual([position.line, position.character], [0, 0]);
    assert.equal(locations.length, 2);
    assert.ok(locations[0] instanceof vscode.Location);
    assert.equal(locations[0].uri.fsPath, '/ws/api.yaml');
    assert.ok(locations[1].range instanceof vscode.Range);
    assert.deepEqual(
      [locations[1].range.start.line, locations[1].range.start.character, locations[1].range.end.line, locations[1].range.end.character],
      [5, 0, 7, 4],
    );
  });

  it('opens editor.action.showReferences with them', async () => {
    assert.equal(SHOW_REFERENCES, 'netpol-lsp.showReferences');
    await showReferences(...lensArgs);
    assert.equal(state.executed.length, 1);
    const [call] = state.executed;
    assert.equal(call.command, 'editor.action.showReferences');
    assert.deepEqual(call.args, referencesArgs(...lensArgs));
  });

  it('drops malformed arguments: nothing, or only the bad locations', async () => {
    assert.equal(referencesArgs(undefined, { line: 0, character: 0 }, []), undefined);
    assert.equal(referencesArgs('file:///a', { line: -1, character: 0 }, []), undefined);
    assert.equal(referencesArgs('file:///a', { line: 0, character: 0 }, 'x'), undefined);
    await showReferences('file:///a', null, []);
    assert.equal(state.executed.length, 0);
    const args = referencesArgs('file:///a', { line: 1, character: 2 }, [{ uri: 3 }, null, lensArgs[2][0]]);
    assert.equal(args?.[2].length, 1);
    assert.deepEqual(referencesArgs('file:///a', { line: 1, character: 2 }, [])?.[2], []);
  });
});
