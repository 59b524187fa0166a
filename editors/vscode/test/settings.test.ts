import { resetStub, state } from './vscodeStub';

import * as assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { affectsServer, mapSettings, needsRestart, readServerSettings, SECTION } from '../src/settings';

function config(values: Record<string, unknown>) {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

describe('settings mapping', () => {
  beforeEach(resetStub);

  it('sends nothing when nothing is set (defaults are the server\'s and .netpol-lsp.yaml\'s)', () => {
    assert.deepEqual(mapSettings(config({ cni: '', rules: {}, exclude: [], databasePorts: [] })), {
      settings: {},
      problems: [],
    });
    assert.deepEqual(mapSettings(config({})).settings, {});
  });

  it('maps every server setting to the "netpol-lsp" section', () => {
    const { settings, problems } = mapSettings(
      config({
        path: '/opt/netpol-lsp/bin/netpol-lsp',
        cni: ' Calico ',
        rules: { NP010: 'off', 'open-database-port': 'error', np021: 'Warning' },
        exclude: ['charts/**', ' vendor/** '],
        databasePorts: [5432, 3306, 5432],
        'trace.server': 'verbose',
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      cni: 'calico',
      rules: { NP010: 'off', 'open-database-port': 'error', NP021: 'warning' },
      exclude: ['charts/**', 'vendor/**'],
      databasePorts: [3306, 5432],
    });
    // client-only settings never reach the server
    assert.equal('path' in settings, false);
    assert.equal('trace' in settings, false);
  });

  it('accepts common spellings of the levels and drops invalid ones with a reason', () => {
    const { settings, problems } = mapSettings(
      config({ rules: { NP001: 'warn', NP002: false, NP003: 'loud', NP011: 3 } }),
    );
    assert.deepEqual(settings.rules, { NP001: 'warning', NP002: 'off' });
    assert.equal(problems.length, 2);
    assert.match(problems[0], /NP003/);
    assert.match(problems[1], /NP011/);
  });

  it('keeps only valid port numbers', () => {
    const { settings, problems } = mapSettings(config({ databasePorts: [27017, '6379', 0, 70000, 1.5, 'x'] }));
    assert.deepEqual(settings.databasePorts, [6379, 27017]);
    assert.equal(problems.length, 4);
  });

  it('treats a single exclude string as a list, and drops non-strings', () => {
    assert.deepEqual(mapSettings(config({ exclude: 'tmp/**' })).settings, { exclude: ['tmp/**'] });
    const mapped = mapSettings(config({ exclude: ['a/**', 3, ''] }));
    assert.deepEqual(mapped.settings, { exclude: ['a/**'] });
    assert.equal(mapped.problems.length, 1);
  });

  it('rejects wrong types without throwing', () => {
    const { settings, problems } = mapSettings(config({ cni: 5, rules: ['NP001'], databasePorts: 'x' }));
    assert.deepEqual(settings, {});
    assert.equal(problems.length, 2);
  });

  it('reads VS Code\'s configuration through the vscode module', () => {
    state.config = { 'netpol-lsp.cni': 'cilium', 'netpol-lsp.databasePorts': [9042] };
    const scope = { fsPath: '/ws' };
    assert.deepEqual(readServerSettings(scope as never).settings, { cni: 'cilium', databasePorts: [9042] });
    assert.equal(state.lastScope, scope);
  });

  it('restarts only for the path, re-sends for server settings', () => {
    const event = (changed: string[]) => ({
      affectsConfiguration: (s: string) => changed.some((c) => c === s || c.startsWith(`${s}.`)),
    });
    assert.equal(needsRestart(event([`${SECTION}.path`])), true);
    assert.equal(needsRestart(event([`${SECTION}.cni`])), false);
    assert.equal(affectsServer(event([`${SECTION}.rules`])), true);
    assert.equal(affectsServer(event([`${SECTION}.trace.server`])), false);
    assert.equal(affectsServer(event(['editor.fontSize'])), false);
  });
});
