/**
 * Runs one of the `bin/` entry points as its own process, the way a container or an npm script does:
 * `node --import tsx <script>`, in an empty working directory (so no developer `.env` is read) and with an
 * environment of exactly what the test passes (so no DISCORD_* or SLACK_* from the shell leaks in).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EntryPointProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far, in order of arrival. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** The empty directory the process runs in. */
  cwd: string;
  /** Removes `cwd`; call it after the assertions about what the process left there. */
  removeCwd(): void;
}

export function runEntryPoint(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): EntryPointProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'kk-entry-'));
  const path = fileURLToPath(new URL(`../../bin/${script}`, import.meta.url));
  // A plain .mjs needs no loader; TypeScript gets tsx by absolute URL, since the cwd has no node_modules.
  const loader = script.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, [...loader, path, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    cwd,
    removeCwd: () => rmSync(cwd, { recursive: true, force: true }),
  };
}
