import { resetStub, state } from './vscodeStub';

import * as assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { diffMarkdown, SERVER_DIFF, SHOW_DIFF, showDiff } from '../src/diff';

describe('the diff lens command netpol-lsp.showDiff', () => {
  beforeEach(resetStub);

  it('names the lens command and the server command', () => {
    assert.equal(SHOW_DIFF, 'netpol-lsp.showDiff');
    assert.equal(SERVER_DIFF, 'netpol-lsp.diff');
  });

  it('shows the Markdown the server returns, or says there is none', () => {
    assert.equal(diffMarkdown({ markdown: '### Connectivity\n', available: true }), '### Connectivity\n');
    assert.equal(diffMarkdown({ reason: 'x' }), 'netpol-lsp: the server sent no connectivity diff.\n');
    assert.equal(diffMarkdown(null), 'netpol-lsp: the server sent no connectivity diff.\n');
  });

  it('without a running server: one error message, no request', async () => {
    await showDiff(undefined);
    assert.deepEqual(state.messages.map((m) => m.level), ['error']);
    assert.match(state.messages[0].text, /not running/);
  });
});
