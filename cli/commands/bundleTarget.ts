/**
 * Whether a command's path names a bundle, and the bundle commands loaded only then. An image file, the common
 * case, never loads them: the bundle rules, the descriptor reader and its XML parser (saxes) are a separate
 * bundle (dist/commands/bundle.js, scripts/build.mjs) that cost `check` ~20 ms of compiling at every start.
 */
import { type Target, locate } from '../../shared/bundle/locate';
import type * as BundleCommands from './bundle';

export type BundleTarget = Exclude<Target, { kind: 'image' }>;

/** The bundles `path` names, or undefined when it names an image file (or nothing: the image commands say so). */
export function bundleTarget(path: string): BundleTarget | undefined {
  const t = locate(path);
  return t.kind === 'image' ? undefined : t;
}

/** The bundle commands (cli/commands/bundle.ts), loaded on first use. */
export function bundleCommands(): typeof BundleCommands {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand: that is the point
  return require('./bundle') as typeof BundleCommands;
}
