/**
 * How every command runs: its failures become messages that name the file and exit statuses that match
 * qemu-img's, and its buffered output is flushed. Each command bundle (dist/commands/NAME.js) carries its own
 * copy, so that the error classes it tests and the output it flushes are the ones the command used.
 */
import { BundleError } from '../shared/bundle/bundleError';
import { LockError } from '../shared/io/imageLock';
import { JournalError } from '../shared/io/journal';
import { FileKindError } from '../shared/io/openFile';
import { ImageError } from '../shared/ops/blocker';
import { ConvertError } from '../shared/ops/convert';
import { CreateError } from '../shared/ops/create';
import { UsageError } from './args';
import { folderMessage } from './folder';
import { usageError } from './help';
import { complain, stderr, stdout } from './output';

/** A command's entry point, as the dispatcher (cli/main.ts) loads it. */
export type CommandMain = (argv: string[]) => Promise<number>;

export function commandMain(run: (argv: string[]) => number | Promise<number>): CommandMain {
  return async (argv) => {
    try {
      return await run(argv);
    } catch (e) {
      return failure(e);
    } finally {
      stdout.flush();
      stderr.flush();
    }
  };
}

/** Every failure names the file (the engine's messages do; system errors carry their path) and exits 1. */
function failure(e: unknown): number {
  if (e instanceof UsageError) return usageError(e.message, e.command);
  if (
    e instanceof ImageError ||
    e instanceof JournalError ||
    e instanceof CreateError ||
    e instanceof ConvertError ||
    e instanceof BundleError ||
    e instanceof LockError ||
    e instanceof FileKindError
  ) {
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
