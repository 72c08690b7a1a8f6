import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';

/**
 * Numbers of a request from the client (a byte offset, a length, a count): a safe non-negative integer, else the
 * request fails with InvalidParams naming the parameter. Nothing past this point sees 1e300, -1 or "abc".
 */
export function position(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${name} ${JSON.stringify(value) ?? String(value)} is not a safe non-negative integer`);
  }
  return value;
}

/** An optional one: undefined stays undefined. */
export function optionalPosition(method: string, name: string, value: unknown): number | undefined {
  return value === undefined ? undefined : position(method, name, value);
}
