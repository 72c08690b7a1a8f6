/**
 * Loading a command bundle with V8's code cache. Compiling dist/commands/check.js (216 KB) and then, one by one,
 * each function the check calls cost Node.js 10-25 ms at every start, a tenth of a 16M-entry check. The build
 * (scripts/codeCache.mjs) runs each command once on small images and stores what V8 compiled beside the bundle
 * (dist/commands/NAME.js.cache); a later start reads it back instead of compiling.
 *
 * The cache is an accelerator, never a source of behaviour: V8 checks it against the source and its own version
 * and flags and rejects any mismatch (another Node.js, an edited bundle, a damaged file), and the bundle is then
 * compiled as usual. Nothing here writes, but `saveCache`, which only the build's training runs call.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** A cache larger than this is not ours (the check bundle's is ~0.2 MB): it is not read. */
const MAX_CACHE_BYTES = 16 << 20;

export interface LoadedBundle<T> {
  exports: T;
  /** Whether V8 refused the cache (absent, or made for another source or Node.js). */
  cacheRejected: boolean;
  /** Writes what V8 has compiled of the bundle so far to `file` (the build's training runs). */
  saveCache(file: string): void;
}

/**
 * Runs the CommonJS bundle `file` as `require` would (its own `module`, `require`, `__dirname`), compiled with the
 * code cache `file + '.cache'` when there is one that V8 accepts.
 */
export function loadBundle<T>(file: string): LoadedBundle<T> {
  const source = readFileSync(file, 'utf8');
  const cachedData = readCache(`${file}.cache`);
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = module.paths;
  // Registered as require would: a later require of the bundle (there is none today) gets this module, not a copy.
  require.cache[file] = mod;
  const wrapper = script.runInThisContext() as (exports: unknown, req: NodeJS.Require, m: Module, f: string, d: string) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  return {
    exports: mod.exports as T,
    cacheRejected: cachedData === undefined || script.cachedDataRejected === true,
    saveCache: (out) => writeFileSync(out, script.createCachedData()),
  };
}

/** The cache file's bytes, or undefined when there is none (or it is not a plain file of a plausible size). */
function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    // Non-blocking: a FIFO planted under the cache's name must not hang the start (it is then refused as no file).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    const size = stat.size;
    if (!stat.isFile() || size === 0 || size > MAX_CACHE_BYTES) return undefined;
    const bytes = Buffer.alloc(size);
    return readSync(fd, bytes, 0, size, 0) === size ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
