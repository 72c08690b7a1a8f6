/**
 * A real VS Code (code-server) for one test run: fresh user-data and extensions folders in a temp dir, the project
 * linked in as the installed extension, auto-save off (the web build would otherwise write into the images), and
 * its own process group so that stopping it also stops its file watcher and extension host.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_SERVER, EXTENSION_FOLDER, NODE24, PROJECT_ROOT } from './env';

/** The flags every code-server of ours runs with, shared with `npm start` (scripts/codeServerFlags.json). */
function codeServerFlags(): string[] {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'scripts', 'codeServerFlags.json'), 'utf8')) as { flags: string[] }).flags;
}

export interface CodeServer {
  url: string;
  /** Everything code-server wrote (user data, logs, extensions folder). */
  home: string;
  stop(): Promise<void>;
}

const SETTINGS = {
  'files.autoSave': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'remote.autoForwardPorts': false,
};

/**
 * `extensions`: a folder of installed extensions to use (the release test installs the .vsix there); by default
 * the project itself is linked in as the extension.
 */
export async function startCodeServer(settings: Record<string, unknown> = {}, options: { extensions?: string } = {}): Promise<CodeServer> {
  const home = mkdtempSync(join(tmpdir(), 'hdd-lens-e2e-vscode-'));
  const userData = join(home, 'user-data');
  const extensions = options.extensions ?? join(home, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ ...SETTINGS, ...settings }, null, 2));
  if (options.extensions === undefined) {
    mkdirSync(extensions, { recursive: true });
    symlinkSync(PROJECT_ROOT, join(extensions, EXTENSION_FOLDER), 'dir');
  }
  const port = await freePort();
  const args = [CODE_SERVER, '--bind-addr', `127.0.0.1:${port}`, ...codeServerFlags(), '--user-data-dir', userData, '--extensions-dir', extensions];
  const env = { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache') };
  const child = spawn(NODE24, args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, log);
  } catch (e) {
    await killGroup(child);
    throw e;
  }
  return {
    url,
    home,
    stop: async () => {
      await killGroup(child);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${log.join('')}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer within 60 s:\n${log.join('')}`);
}

/** SIGTERM to the whole group, SIGKILL after 5 s. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  // Children that outlive the leader (file watcher, extension host) are in the same group.
  signal('SIGKILL');
}
