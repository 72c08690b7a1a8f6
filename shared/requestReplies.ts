/**
 * Requests over a channel that carries messages, not calls (the editor webview's postMessage): each request goes
 * out under a new id and its reply comes back under that id, a result or an error's message. Both ends use this
 * one class (media/host.ts calls, client/editor/webviewHost.ts answers), so the matching is written once.
 * No Node and no DOM: the webview bundles it.
 */

/** A reply to the request of id `requestId`. */
export type Reply = { requestId: number; result: unknown } | { requestId: number; error: string };

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class RequestReplies {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  /** Sends a request under a new id (`send` posts it) and resolves with the reply of that id. */
  call(send: (requestId: number) => void): Promise<unknown> {
    const requestId = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => this.waiting.set(requestId, { resolve, reject }));
    send(requestId);
    return reply;
  }

  /** Settles the call a reply is for; false when none waits for it (a reply to a page that was reloaded). */
  settle(reply: Reply): boolean {
    const waiter = this.waiting.get(reply.requestId);
    if (!waiter) return false;
    this.waiting.delete(reply.requestId);
    if ('error' in reply) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.result);
    return true;
  }

  /** Calls still waiting for their reply. */
  get pending(): number {
    return this.waiting.size;
  }

  /** The answering end: runs a request's work and posts its reply under the request's id, a failure as its message. */
  static async answer(requestId: number, work: () => unknown, post: (reply: Reply) => void): Promise<void> {
    let reply: Reply;
    try {
      reply = { requestId, result: await work() };
    } catch (e) {
      reply = { requestId, error: e instanceof Error ? e.message : String(e) };
    }
    post(reply);
  }
}
