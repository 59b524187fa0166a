import { resetStub, state } from './vscodeStub';

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';

import {
  discoverServer,
  DiscoveryHost,
  expandConfiguredPath,
  nodeHost,
  PYTHON_EXTENSION_ID,
  scriptCandidates,
  selectedInterpreter,
} from '../src/discovery';

/** A host whose file system is a set of executable files and a set of folders. */
function fakeHost(options: {
  files?: string[];
  dirs?: string[];
  path?: string;
  configured?: string;
  interpreter?: string;
  platform?: NodeJS.Platform;
  workspaceFolder?: string;
  env?: NodeJS.ProcessEnv;
}): DiscoveryHost & { interpreterAsked: number } {
  const files = new Set(options.files ?? []);
  const dirs = new Set(options.dirs ?? []);
  const host = {
    configuredPath: options.configured,
    workspaceFolder: options.workspaceFolder,
    interpreterAsked: 0,
    async pythonInterpreter() {
      host.interpreterAsked += 1;
      return options.interpreter;
    },
    env: { ...(options.path !== undefined ? { PATH: options.path } : {}), ...(options.env ?? {}) },
    platform: options.platform ?? 'linux',
    homedir: options.platform === 'win32' ? 'C:\\Users\\ana' : '/home/ana',
    isExecutableFile: (f: string) => files.has(f),
    isDirectory: (f: string) => dirs.has(f),
  };
  return host;
}

describe('server discovery order', () => {
  beforeEach(resetStub);

  const everywhere = ['/custom/netpol-lsp', '/venv/bin/netpol-lsp', '/usr/local/bin/netpol-lsp'];

  it('1. the setting netpol-lsp.path wins over the Python environment and PATH', async () => {
    const host = fakeHost({
      files: everywhere,
      configured: '/custom/netpol-lsp',
      interpreter: '/venv/bin/python',
      path: '/usr/local/bin',
    });
    const result = await discoverServer(host);
    assert.deepEqual(result.server, { command: '/custom/netpol-lsp', args: ['serve'], source: 'setting' });
    assert.equal(host.interpreterAsked, 0, 'the Python extension is not even asked');
  });

  it('2. then the interpreter the Python extension selected', async () => {
    const result = await discoverServer(
      fakeHost({ files: everywhere, interpreter: '/venv/bin/python', path: '/usr/local/bin' }),
    );
    assert.deepEqual(result.server, { command: '/venv/bin/netpol-lsp', args: ['serve'], source: 'python' });
  });

  it('3. then PATH, in PATH order', async () => {
    const result = await discoverServer(
      fakeHost({
        files: ['/usr/local/bin/netpol-lsp', '/opt/bin/netpol-lsp'],
        interpreter: '/venv/bin/python',
        path: '/nowhere::/opt/bin:/usr/local/bin',
      }),
    );
    assert.deepEqual(result.server, { command: '/opt/bin/netpol-lsp', args: ['serve'], source: 'path' });
    assert.deepEqual(result.tried, ['/venv/bin/netpol-lsp', '/nowhere/netpol-lsp', '/opt/bin/netpol-lsp']);
  });

  it('PATH is used when the Python extension is missing or fails', async () => {
    const host = fakeHost({ files: ['/usr/bin/netpol-lsp'], path: '/usr/bin' });
    host.pythonInterpreter = async () => {
      throw new Error('python extension exploded');
    };
    assert.equal((await discoverServer(host)).server?.source, 'path');
  });

  it('nothing found: one problem that says how to install', async () => {
    const result = await discoverServer(fakeHost({ interpreter: '/venv/bin/python', path: '/usr/bin' }));
    assert.equal(result.server, undefined);
    assert.match(result.problem ?? '', /not on PyPI yet/);
    assert.match(result.problem ?? '', /pipx install \/path\/to\/netpol-lsp/);
    assert.doesNotMatch(result.problem ?? '', /pip install netpol-lsp/);
    assert.match(result.problem ?? '', /\/venv\/bin\/python/);
    assert.match(result.problem ?? '', /netpol-lsp\.path/);
  });

  it('a wrong setting is reported, not silently replaced by PATH', async () => {
    const result = await discoverServer(
      fakeHost({ files: ['/usr/bin/netpol-lsp'], path: '/usr/bin', configured: '/typo/netpol-lsp' }),
    );
    assert.equal(result.server, undefined);
    assert.match(result.problem ?? '', /"netpol-lsp\.path" is "\/typo\/netpol-lsp"/);
  });

  it('a bare command name in the setting is looked up on PATH', async () => {
    const result = await discoverServer(
      fakeHost({ files: ['/opt/np/netpol-lsp-dev'], path: '/usr/bin:/opt/np', configured: 'netpol-lsp-dev' }),
    );
    assert.deepEqual(result.server, { command: '/opt/np/netpol-lsp-dev', args: ['serve'], source: 'setting' });
  });

  it('expands ~, ${workspaceFolder} and ${env:X}; relative paths are from the workspace', async () => {
    const host = fakeHost({
      files: ['/home/ana/.local/bin/netpol-lsp', '/ws/.venv/bin/netpol-lsp'],
      workspaceFolder: '/ws',
      env: { TOOLS: '/home/ana/.local' },
    });
    assert.equal(expandConfiguredPath('~/.local/bin/netpol-lsp', host), '/home/ana/.local/bin/netpol-lsp');
    assert.equal(expandConfiguredPath('${env:TOOLS}/bin/netpol-lsp', host), '/home/ana/.local/bin/netpol-lsp');
    host.configuredPath = '${workspaceFolder}/.venv/bin/netpol-lsp';
    assert.equal((await discoverServer(host)).server?.command, '/ws/.venv/bin/netpol-lsp');
    host.configuredPath = '.venv/bin/netpol-lsp';
    assert.equal((await discoverServer(host)).server?.command, '/ws/.venv/bin/netpol-lsp');
  });

  it('Windows: Scripts\\ next to a base interpreter, PATHEXT on PATH', async () => {
    const win = fakeHost({
      platform: 'win32',
      files: ['C:\\Python312\\Scripts\\netpol-lsp.exe'],
      interpreter: 'C:\\Python312\\python.exe',
      env: { PATHEXT: '.COM;.EXE' },
    });
    assert.deepEqual((await discoverServer(win)).server, {
      command: 'C:\\Python312\\Scripts\\netpol-lsp.exe',
      args: ['serve'],
      source: 'python',
    });
    const venv = fakeHost({
      platform: 'win32',
      files: ['C:\\tools\\netpol-lsp.exe'],
      env: { Path: 'C:\\Windows;C:\\tools', PATHEXT: '.COM;.EXE' },
    });
    assert.equal((await discoverServer(venv)).server?.command, 'C:\\tools\\netpol-lsp.exe');
  });

  it('an environment given as a folder: its bin/', () => {
    const host = fakeHost({ dirs: ['/conda/envs/k8s'] });
    assert.deepEqual(scriptCandidates('/conda/envs/k8s', host), ['/conda/envs/k8s/bin/netpol-lsp']);
  });

  it('the real file system: an executable in a temporary folder on PATH', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-lsp-discovery-'));
    try {
      const exe = path.join(dir, process.platform === 'win32' ? 'netpol-lsp.cmd' : 'netpol-lsp');
      fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
      const notExecutable = path.join(dir, 'python');
      fs.writeFileSync(notExecutable, '', { mode: 0o644 });
      const host = nodeHost({ pythonInterpreter: async () => notExecutable });
      assert.equal(host.isExecutableFile(exe), true);
      assert.equal(host.isExecutableFile(dir), false);
      assert.equal(host.isDirectory(dir), true);
      if (process.platform !== 'win32') {
        assert.equal(host.isExecutableFile(notExecutable), false);
      }
      const result = await discoverServer({ ...host, env: { ...host.env, PATH: '' } });
      assert.deepEqual(result.server, { command: exe, args: ['serve'], source: 'python' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Python extension API (through the stubbed vscode module)', () => {
  beforeEach(resetStub);

  it('not installed: undefined', async () => {
    assert.equal(await selectedInterpreter(vscode.extensions), undefined);
  });

  it('the environments API, activating the extension first', async () => {
    let activated = 0;
    const api = {
      ready: Promise.resolve(),
      environments: {
        getActiveEnvironmentPath: (resource: unknown) => ({ id: 'venv', path: `/envs/${String(resource)}` }),
        resolveEnvironment: async (env: { path: string }) => ({
          executable: { uri: { fsPath: `${env.path}/bin/python3` } },
        }),
      },
    };
    state.extensions[PYTHON_EXTENSION_ID] = {
      isActive: false,
      exports: undefined,
      activate: async () => {
        activated += 1;
        return api;
      },
    };
    assert.equal(await selectedInterpreter(vscode.extensions, 'ws'), '/envs/ws/bin/python3');
    assert.equal(activated, 1);
  });

  it('an unresolvable environment: its path', async () => {
    state.extensions[PYTHON_EXTENSION_ID] = {
      isActive: true,
      exports: {
        environments: {
          getActiveEnvironmentPath: () => ({ id: 'x', path: '/usr/bin/python3' }),
          resolveEnvironment: async () => undefined,
        },
      },
      activate: async () => assert.fail('already active'),
    };
    assert.equal(await selectedInterpreter(vscode.extensions), '/usr/bin/python3');
  });

  it('the older settings.getExecutionDetails API', async () => {
    state.extensions[PYTHON_EXTENSION_ID] = {
      isActive: true,
      exports: { settings: { getExecutionDetails: () => ({ execCommand: ['/old/bin/python'] }) } },
      activate: async () => undefined,
    };
    assert.equal(await selectedInterpreter(vscode.extensions), '/old/bin/python');
  });

  it('an extension that fails to activate: undefined, no throw', async () => {
    state.extensions[PYTHON_EXTENSION_ID] = {
      isActive: false,
      exports: undefined,
      activate: async () => {
        throw new Error('broken');
      },
    };
    assert.equal(await selectedInterpreter(vscode.extensions), undefined);
  });

  it('end to end: the fake Python extension\'s environment beats PATH', async () => {
    state.extensions[PYTHON_EXTENSION_ID] = {
      isActive: true,
      exports: { settings: { getExecutionDetails: () => ({ execCommand: ['/venv/bin/python'] }) } },
      activate: async () => undefined,
    };
    const host = fakeHost({ files: ['/venv/bin/netpol-lsp', '/usr/bin/netpol-lsp'], path: '/usr/bin' });
    host.pythonInterpreter = () => selectedInterpreter(vscode.extensions);
    assert.equal((await discoverServer(host)).server?.command, '/venv/bin/netpol-lsp');
  });
});
