import { fileURLToPath } from 'node:url';

/** The local path of a `file:` URI, or undefined for other schemes (the server reads local files only). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** Whether a text document is a disk image by its name (other editors open .hdd/.hds files as text). */
export function isImageUri(uri: string): boolean {
  return /\.(hdd|hds)$/i.test(uri.split(/[?#]/)[0]);
}
