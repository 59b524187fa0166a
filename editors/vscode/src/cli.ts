/** Running the netpol-lsp CLI (connectivity, explain) next to the language server. */
import { execFile } from 'child_process';

export interface CliResult {
  /** Exit code; null when the process could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run at all (ENOENT, timeout, ...). */
  error?: string;
}

export interface CliOptions {
  cwd: string;
  timeoutMs?: number;
  /** Aborts the run (a cancelled progress notification). */
  signal?: AbortSignal;
}

export function runCli(command: string, args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
        windowsHide: true,
        encoding: 'utf8',
        signal: options.signal,
        env: { ...process.env, NO_COLOR: '1' },
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        if (typeof e.code === 'number') {
          resolve({ code: e.code, stdout, stderr });
        } else {
          resolve({ code: null, stdout, stderr, error: e.killed ? 'timed out' : (e.code ?? e.message) });
        }
      },
    );
  });
}

/** One line for a notification about a failed run. */
export function describeFailure(what: string, result: CliResult): string {
  if (result.error) {
    return `netpol-lsp ${what} could not run: ${result.error}`;
  }
  const reason = result.stderr.trim().split(/\r?\n/).filter((l) => l.trim() !== '').pop();
  return `netpol-lsp ${what} failed (exit ${result.code})${reason ? `: ${reason}` : ''}`;
}
