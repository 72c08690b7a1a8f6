/**
 * Compile-time checks of server/rpc.ts (tsc -b fails when one no longer holds): a handler whose result or
 * parameters do not match the declared signature is refused. Never run; only compiled.
 */
import type { Connection } from 'vscode-languageserver/node';
import * as P from '../../shared/protocol';
import { notify, onNotification, onRequest } from '../../server/rpc';

export function rpcTypeChecks(c: Connection): void {
  // The slip issue 10 found: a result the declaration does not allow (null for a non-null result).
  // @ts-expect-error null is not a RegionsParams result
  onRequest(c, P.regions, () => null);
  // @ts-expect-error nor through a promise
  onRequest(c, P.inspect, async () => null);
  // @ts-expect-error a parameter the declaration does not have
  onRequest(c, P.guestToHostRequest, (p) => (p.hostOffset === 0 ? null : null));
  // @ts-expect-error notification parameters are checked too
  notify(c, P.didClose, { uri: 'file:///x', version: 1, extra: true });
  // @ts-expect-error a handler reading what the notification does not carry
  onNotification(c, P.didClose, (p) => p.version);
  // What matches compiles.
  onRequest(c, P.findings, () => null);
  onRequest(c, P.hostToGuestRequest, async () => []);
}
