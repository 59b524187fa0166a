/**
 * The netpol-lsp VS Code extension: starts `netpol-lsp serve` for YAML and JSON files (the
 * server decides which are Kubernetes manifests), passes the settings on, and adds three
 * commands: restart the server, show the workspace's connectivity graph, explain a workload
 * (plus the internal one behind the server's code lens: show the references it carries).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

import { describeFailure, runCli } from './cli';
import { buildConnectivityHtml, ConnectivityContent, makeNonce } from './connectivityView';
import {
  discoverServer,
  DiscoveryResult,
  INSTALL_COMMAND,
  INSTALL_HINT,
  nodeHost,
  pythonExtensionApi,
  selectedInterpreter,
  ServerCommand,
} from './discovery';
import { SHOW_DIFF, showDiff } from './diff';
import { SHOW_REFERENCES, showReferences } from './references';
import { affectsServer, needsRestart, readServerPath, readServerSettings, SECTION } from './settings';
import { workloadKey, workloadsFromConnectivity } from './workloads';

const CLIENT_ID = 'netpol-lsp';
const CLIENT_NAME = 'netpol-lsp';

let client: LanguageClient | undefined;
let server: ServerCommand | undefined;
let output: vscode.OutputChannel;
let missingNotified = false;
let connectivityPanel: vscode.WebviewPanel | undefined;
let connectivityFolder: vscode.Uri | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('netpol-lsp.restartServer', () => restartServer(true)),
    vscode.commands.registerCommand('netpol-lsp.showConnectivity', () => showConnectivity(context)),
    vscode.commands.registerCommand('netpol-lsp.explainWorkload', () => explainWorkload()),
    // also the command of the server's "vs HEAD" code lens, whose first argument is the document's
    // URI: the server answers for the cluster that reads it (from the palette: every cluster)
    vscode.commands.registerCommand(SHOW_DIFF, (uri?: unknown) => showDiff(client && ((command: string) =>
      client!.sendRequest('workspace/executeCommand',
        { command, arguments: typeof uri === 'string' ? [uri] : [] })))),
    // internal (not in the palette): the code lens's command, opens the references peek view
    vscode.commands.registerCommand(SHOW_REFERENCES, showReferences),
    vscode.workspace.onDidChangeConfiguration((event) => onConfigurationChanged(event)),
  );
  watchPythonEnvironment(context);
  await startServer(false);
}

export async function deactivate(): Promise<void> {
  await stopServer();
}

/* ------------------------------------------------------------------ server lifecycle */

function firstFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

async function discover(): Promise<DiscoveryResult> {
  const folder = firstFolder();
  const result = await discoverServer(
    nodeHost({
      configuredPath: readServerPath(),
      workspaceFolder: folder?.uri.fsPath,
      pythonInterpreter: () => selectedInterpreter(vscode.extensions, folder?.uri),
    }),
  );
  if (result.server) {
    output.appendLine(`Using ${result.server.command} (found via ${result.server.source}).`);
  } else {
    output.appendLine(`netpol-lsp not found. Looked at:\n  ${result.tried.join('\n  ') || '(nothing)'}`);
  }
  return result;
}

/** Tell the user once per session (or again when they asked: restart, a command). */
async function notifyMissing(problem: string, force: boolean): Promise<void> {
  if (missingNotified && !force) {
    return;
  }
  missingNotified = true;
  const openSettings = 'Open Settings';
  const copy = 'Copy install command';
  const choice = await vscode.window.showErrorMessage(problem, openSettings, copy);
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.path`);
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(INSTALL_COMMAND);
  }
}

async function startServer(userAsked: boolean): Promise<void> {
  const found = await discover();
  if (!found.server) {
    server = undefined;
    await notifyMissing(found.problem ?? `netpol-lsp was not found. ${INSTALL_HINT}`, userAsked);
    return;
  }
  server = found.server;
  const cwd = firstFolder()?.uri.fsPath;
  const serverOptions: ServerOptions = {
    command: server.command,
    args: server.args,
    options: cwd ? { cwd } : {},
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
      { scheme: 'file', language: 'json' },
      { scheme: 'untitled', language: 'json' },
    ],
    // No synchronize.fileEvents: the server registers its own file watchers (dynamically).
    initializationOptions: () => mappedSettings(undefined),
    outputChannel: output,
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return params.items.map((item, i) => {
            const section = item.section ?? '';
            if (section !== SECTION && !section.startsWith(`${SECTION}.`)) {
              return answers[i];
            }
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            const settings = mappedSettings(scope) as Record<string, unknown>;
            return section === SECTION ? settings : (settings[section.slice(SECTION.length + 1)] ?? null);
          });
        },
      },
    },
  };
  const current = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = current;
  try {
    await current.start();
  } catch (err) {
    output.appendLine(`The server did not start: ${String(err)}`);
    const show = 'Show Output';
    const choice = await vscode.window.showErrorMessage(
      `netpol-lsp: the language server (${server.command} serve) did not start. See the output for why.`,
      show,
    );
    if (choice === show) {
      output.show(true);
    }
  }
}

function mappedSettings(scope: vscode.Uri | undefined): object {
  const { settings, problems } = readServerSettings(scope);
  for (const problem of problems) {
    output.appendLine(`Settings: ${problem} (ignored)`);
  }
  return settings;
}

async function stopServer(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) {
    try {
      await current.stop();
    } catch (err) {
      output.appendLine(`Stopping the server: ${String(err)}`);
    }
    await current.dispose().then(undefined, () => undefined);
  }
}

async function restartServer(userAsked: boolean): Promise<void> {
  output.appendLine('Restarting the language server.');
  await stopServer();
  await startServer(userAsked);
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (needsRestart(event)) {
    void restartServer(false);
    return;
  }
  if (affectsServer(event) && client?.isRunning()) {
    void client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: mappedSettings(undefined) },
    });
  }
}

/** When the user picks another interpreter, the server may live somewhere else now. */
function watchPythonEnvironment(context: vscode.ExtensionContext): void {
  void pythonExtensionApi(vscode.extensions).then((api) => {
    const subscribe = api?.environments?.onDidChangeActiveEnvironmentPath;
    if (!subscribe) {
      return;
    }
    const disposable = subscribe.call(api.environments, async () => {
      if (server?.source === 'setting') {
        return;
      }
      const found = await discover();
      if (found.server?.command !== server?.command) {
        await restartServer(false);
      }
    });
    context.subscriptions.push(disposable);
  });
}

/** The CLI to run for the commands: the running server's executable, or a fresh search. */
async function cliCommand(): Promise<string | undefined> {
  if (server) {
    return server.command;
  }
  const found = await discover();
  if (!found.server) {
    await notifyMissing(found.problem ?? INSTALL_HINT, true);
    return undefined;
  }
  return found.server.command;
}

/** The folder a command works on: the active file's folder, the only one, or the user's pick. */
async function pickFolder(): Promise<{ uri: vscode.Uri; name: string } | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active) {
    const folder = vscode.workspace.getWorkspaceFolder(active);
    if (folder) {
      return folder;
    }
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) {
    return folders[0];
  }
  if (folders.length > 1) {
    return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder of manifests?' });
  }
  if (active?.scheme === 'file') {
    const dir = path.dirname(active.fsPath);
    return { uri: vscode.Uri.file(dir), name: path.basename(dir) };
  }
  void vscode.window.showWarningMessage('netpol-lsp: open a folder of Kubernetes manifests first.');
  return undefined;
}

/* ------------------------------------------------------------------ Show connectivity */

async function showConnectivity(context: vscode.ExtensionContext): Promise<void> {
  const command = await cliCommand();
  if (!command) {
    return;
  }
  const folder = await pickFolder();
  if (!folder) {
    return;
  }
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  if (!connectivityPanel) {
    connectivityPanel = vscode.window.createWebviewPanel(
      'netpol-lsp.connectivity',
      `Connectivity: ${folder.name}`,
      vscode.ViewColumn.Beside,
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true },
    );
    connectivityPanel.onDidDispose(() => {
      connectivityPanel = undefined;
    }, null, context.subscriptions);
    connectivityPanel.webview.onDidReceiveMessage(async (message: { type?: string }) => {
      if (message?.type === 'refresh' && connectivityPanel && connectivityFolder) {
        const cli = await cliCommand();
        if (cli) {
          await renderConnectivity(context, connectivityPanel, cli, connectivityFolder, folderName(connectivityFolder));
        }
      }
    }, null, context.subscriptions);
  } else {
    connectivityPanel.title = `Connectivity: ${folder.name}`;
    connectivityPanel.reveal(vscode.ViewColumn.Beside);
  }
  connectivityFolder = folder.uri;
  await renderConnectivity(context, connectivityPanel, command, folder.uri, folder.name);
}

function folderName(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.name ?? path.basename(uri.fsPath);
}

async function connectivityContent(
  context: vscode.ExtensionContext,
  command: string,
  folder: string,
): Promise<ConnectivityContent> {
  const mermaidFile = path.join(context.extensionPath, 'media', 'mermaid.min.js');
  const run = (format: string) => runCli(command, ['connectivity', folder, '--format', format], { cwd: folder });
  if (fs.existsSync(mermaidFile)) {
    const result = await run('mermaid');
    return result.code === 0
      ? { kind: 'mermaid', source: result.stdout }
      : { kind: 'error', message: describeFailure('connectivity', result) };
  }
  // No bundled mermaid (a development build): Graphviz's SVG, else the plain list.
  const svg = await run('svg');
  if (svg.code === 0) {
    return { kind: 'svg', svg: svg.stdout };
  }
  const text = await run('txt');
  if (text.code === 0) {
    return {
      kind: 'text',
      text: text.stdout,
      note: `No graph renderer is available (${svg.stderr.trim() || 'svg failed'}): the allowed connections as a list.`,
    };
  }
  return { kind: 'error', message: describeFailure('connectivity', text) };
}

async function renderConnectivity(
  context: vscode.ExtensionContext,
  panel: vscode.WebviewPanel,
  command: string,
  folder: vscode.Uri,
  name: string,
): Promise<void> {
  const content = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'netpol-lsp: computing connectivity' },
    () => connectivityContent(context, command, folder.fsPath),
  );
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  panel.webview.html = buildConnectivityHtml(content, {
    cspSource: panel.webview.cspSource,
    nonce: makeNonce(),
    mermaidScriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'mermaid.min.js')).toString(),
    viewScriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'connectivity.js')).toString(),
    folderName: name,
  });
}

/* ------------------------------------------------------------------ Explain workload */

async function explainWorkload(): Promise<void> {
  const command = await cliCommand();
  if (!command) {
    return;
  }
  const folder = await pickFolder();
  if (!folder) {
    return;
  }
  const cwd = folder.uri.fsPath;
  const listing = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'netpol-lsp: listing workloads' },
    () => runCli(command, ['connectivity', cwd, '--format', 'json'], { cwd }),
  );
  if (listing.code !== 0) {
    void vscode.window.showErrorMessage(describeFailure('connectivity', listing));
    return;
  }
  const workloads = workloadsFromConnectivity(listing.stdout);
  let target: string | undefined;
  if (workloads.length > 0) {
    const picked = await vscode.window.showQuickPick(
      workloads.map((w) => ({ label: workloadKey(w), description: w.kind })),
      { placeHolder: 'Explain which workload?', matchOnDescription: true },
    );
    target = picked?.label;
  } else {
    target = await vscode.window.showInputBox({
      prompt: 'No workloads found in the connectivity listing. Workload to explain (namespace/name):',
      validateInput: (v) => (/^[^/\s]+\/[^/\s]+$/.test(v.trim()) ? undefined : 'namespace/name'),
    });
    target = target?.trim();
  }
  if (!target) {
    return;
  }
  const explained = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `netpol-lsp: explaining ${target}` },
    () => runCli(command, ['explain', cwd, '--workload', target, '--format', 'markdown'], { cwd }),
  );
  if (explained.code !== 0) {
    void vscode.window.showErrorMessage(describeFailure('explain', explained));
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: explained.stdout });
  try {
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
  } catch {
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
