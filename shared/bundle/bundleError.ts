/**
 * A bundle that cannot be read or converted as asked; the message names the file (and the element). Apart from
 * bundle.ts so that the CLI's error handling (in every command bundle) does not load the bundle reader.
 */
export class BundleError extends Error {}
