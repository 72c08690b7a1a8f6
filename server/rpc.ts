import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import type { NotificationSig, RequestSig } from '../shared/protocol';

/**
 * The server's side of the custom methods of shared/protocol.ts: handlers are registered, and notifications sent,
 * through their declared signatures only, so the compiler checks each handler's parameters and result against the
 * declaration. NoInfer: the result type comes from the signature alone, never widened by what a handler returns
 * (a handler that may return null fails to compile against a signature without null).
 */
export function onRequest<P, R>(
  connection: Connection,
  sig: RequestSig<P, R>,
  handler: (params: P, token: CancellationToken) => NoInfer<R> | Promise<NoInfer<R>>,
): void {
  // async: a handler's synchronous throw (an InvalidParams ResponseError) becomes the request's error answer.
  // The cancellation token is the last argument: a client that sends positional parameters ([params, null]) adds
  // arguments before it, and the handler must still get the real token, never one of those.
  connection.onRequest(sig.method, async (...args: unknown[]): Promise<R> =>
    handler((args.length > 1 ? args[0] : undefined) as P, args[args.length - 1] as CancellationToken),
  );
}

export function onNotification<P>(connection: Connection, sig: NotificationSig<P>, handler: (params: P) => void): void {
  connection.onNotification(sig.method, (params: P) => handler(params));
}

/** Sends a custom notification; a client that ignores it cannot make the server fail (nothing is awaited). */
export function notify<P>(connection: Connection, sig: NotificationSig<P>, params: NoInfer<P>): void {
  void connection.sendNotification(sig.method, params);
}
