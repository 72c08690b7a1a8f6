/**
 * hdd-lens: the command line. A thin layer over the engine's operations (shared/ops): parse arguments, call the
 * operation, print its result, turn failures into messages that name the file and exit statuses that match
 * qemu-img's. Bundled to dist/cli.js.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError } from '../shared/bundle/bundle';
import { LockError } from '../shared/io/imageLock';
import { JournalError } from '../shared/io/journal';
import { FileKindError } from '../shared/io/openFile';
import { ImageError } from '../shared/ops/blocker';
import { ConvertError } from '../shared/ops/convert';
import { CreateError } from '../shared/ops/create';
import { UsageError } from './args';
import { runCheck } from './commands/check';
import { runConvert } from './commands/convert';
import { runCreate } from './commands/create';
import { runInfo } from './commands/info';
import { runMap } from './commands/map';
import { runRecover } from './commands/recover';
import { runRules } from './commands/rules';
import { folderMessage } from './folder';
import { printUsage, usageError } from './help';
import { complain, exitQuietlyOnClosedPipe, stderr, stdout } from './output';

const COMMANDS: Record<string, (argv: string[]) => number | Promise<number>> = {
  check: runCheck,
  info: runInfo,
  map: runMap,
  convert: runConvert,
  create: runCreate,
  recover: runRecover,
  rules: runRules,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) return usageError('no command given');
    if (command === '--help' || command === '-h' || command === 'help') return printUsage(rest[0] in COMMANDS ? rest[0] : undefined);
    if (command === '--version' || command === '-V') {
      stdout.line(`hdd-lens ${version()}`);
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) return usageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
    return await run(rest);
  } catch (e) {
    return failure(e);
  } finally {
    stdout.flush();
    stderr.flush();
  }
}

/** Every failure names the file (the engine's messages do; system errors carry their path) and exits 1. */
function failure(e: unknown): number {
  if (e instanceof UsageError) return usageError(e.message, e.command);
  if (e instanceof ImageError || e instanceof JournalError || e instanceof CreateError || e instanceof ConvertError || e instanceof BundleError || e instanceof LockError || e instanceof FileKindError) {
    complain(e.message);
    return 1;
  }
  const errno = e as NodeJS.ErrnoException;
  if (errno?.code === 'EISDIR' && errno.path !== undefined) {
    complain(folderMessage(errno.path));
    return 1;
  }
  if (errno && typeof errno.code === 'string' && errno.syscall !== undefined) {
    complain(`${errno.path ?? ''}${errno.path ? ': ' : ''}${systemMessage(errno)}`);
    return 1;
  }
  complain(`internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return 1;
}

function systemMessage(e: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EIO: 'input/output error',
    EEXIST: 'already exists',
  };
  return `${known[e.code ?? ''] ?? e.message} (${e.syscall} failed)`;
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
