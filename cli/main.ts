/**
 * hdd-lens: the command line. A thin layer over the engine's operations (shared/ops): this dispatcher reads the
 * command's name and loads only that command (dist/commands/NAME.js, bundled apart by scripts/build.mjs), which
 * parses its arguments, calls the operation, prints the result and turns failures into messages and exit
 * statuses (cli/execute.ts). Node.js compiles only the code the command runs: `check` does not pay for the
 * repair planner's, `map`'s or `create`'s code at every start. Bundled to dist/cli.js.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedBundle, loadBundle } from './codeCache';
import type { CommandMain } from './execute';
import { printUsage, usageError } from './help';
import { exitQuietlyOnClosedPipe, stderr, stdout } from './output';

/** The commands, each a bundle of its own (dist/commands/NAME.js), loaded with its code cache (cli/codeCache.ts). */
const COMMANDS = ['check', 'info', 'map', 'convert', 'create', 'recover', 'rules'] as const;
type CommandName = (typeof COMMANDS)[number];

const loaded = new Map<CommandName, LoadedBundle<{ main: CommandMain }>>();

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

/** A command's bundle, loaded once per process (the build's training runs call a command several times). */
export function loadCommand(name: CommandName): LoadedBundle<{ main: CommandMain }> {
  let bundle = loaded.get(name);
  if (!bundle) loaded.set(name, (bundle = loadBundle(join(__dirname, 'commands', `${name}.js`))));
  return bundle;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) return usageError('no command given');
    if (command === '--help' || command === '-h' || command === 'help') return printUsage(rest[0] !== undefined && isCommand(rest[0]) ? rest[0] : undefined);
    if (command === '--version' || command === '-V') {
      stdout.line(`hdd-lens ${version()}`);
      return 0;
    }
    if (!isCommand(command)) return usageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
    return await loadCommand(command).exports.main(rest);
  } finally {
    stdout.flush();
    stderr.flush();
  }
}

/** The package version (dist/cli.js sits one folder below package.json, in the repository and when installed). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

if (require.main === module) {
  exitQuietlyOnClosedPipe();
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
