/**
 * hdd-lens: the command line. A thin layer over the engine's operations (shared/ops): this dispatcher reads the
 * command's name and loads only that command (dist/commands/NAME.js, bundled apart by scripts/build.mjs), which
 * parses its arguments, calls the operation, prints the result and turns failures into messages and exit
 * statuses (cli/execute.ts). Node.js compiles only the code the command runs: `check` does not pay for the
 * repair planner's, `map`'s or `create`'s code at every start. Bundled to dist/cli.js.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandMain } from './execute';
import { printUsage, usageError } from './help';
import { exitQuietlyOnClosedPipe, stderr, stdout } from './output';

/* eslint-disable @typescript-eslint/no-require-imports -- loading a command on demand is the point */
const COMMANDS: Record<string, () => { main: CommandMain }> = {
  check: () => require('./commands/check'),
  info: () => require('./commands/info'),
  map: () => require('./commands/map'),
  convert: () => require('./commands/convert'),
  create: () => require('./commands/create'),
  recover: () => require('./commands/recover'),
  rules: () => require('./commands/rules'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) return usageError('no command given');
    if (command === '--help' || command === '-h' || command === 'help') return printUsage(rest[0] in COMMANDS ? rest[0] : undefined);
    if (command === '--version' || command === '-V') {
      stdout.line(`hdd-lens ${version()}`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) return usageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
    return await load().main(rest);
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
