/**
 * System errors name the file they are about: node's errors from open() carry the path, those from read(),
 * write() or fstat() on an open descriptor do not. Commands run their work on a file through `forFile`, which
 * adds the path where node left it out, so that every message says which file failed.
 */
export function forFile<T>(path: string, work: () => T): T {
  try {
    const result = work();
    if (result instanceof Promise) return result.catch((e: unknown) => Promise.reject(withPath(e, path))) as T;
    return result;
  } catch (e) {
    throw withPath(e, path);
  }
}

/** `e` with `path` as its file when it is a system error that names none. */
export function withPath(e: unknown, path: string): unknown {
  const errno = e as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && errno.syscall !== undefined && errno.path === undefined) errno.path = path;
  return e;
}
