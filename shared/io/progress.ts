/**
 * How long engine operations report how far they are: `done` of `total` units (bytes for convert, BAT entries for
 * a check), called now and then from the operation's loop (a front end throttles what it shows). Optional
 * everywhere: an operation without one does exactly the same work.
 */
export type ProgressCallback = (done: number, total: number) => void;
