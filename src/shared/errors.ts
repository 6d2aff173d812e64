// Error helpers shared by workflow code and Node code alike: pure functions, no I/O, safe in the workflow sandbox.

/** The innermost cause's message: the activity's own error (which says what to do), not the failures around it. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
