import './vscodeStub';

import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { describe, it } from 'node:test';

import { describeFailure, runCli } from '../src/cli';

describe('running the CLI', () => {
  it('returns stdout and exit 0', async () => {
    const r = await runCli(process.execPath, ['-e', 'process.stdout.write("graph LR")'], { cwd: os.tmpdir() });
    assert.deepEqual(r, { code: 0, stdout: 'graph LR', stderr: '' });
  });

  it('returns the exit code and the last stderr line', async () => {
    const r = await runCli(
      process.execPath,
      ['-e', 'console.error("svg needs Graphviz (dot) on PATH"); process.exit(2)'],
      { cwd: os.tmpdir() },
    );
    assert.equal(r.code, 2);
    assert.equal(describeFailure('connectivity', r), 'netpol-lsp connectivity failed (exit 2): svg needs Graphviz (dot) on PATH');
  });

  it('reports a missing executable without throwing', async () => {
    const r = await runCli('/nonexistent/netpol-lsp', ['check'], { cwd: os.tmpdir() });
    assert.equal(r.code, null);
    assert.equal(r.error, 'ENOENT');
    assert.match(describeFailure('check', r), /could not run: ENOENT/);
  });
});
