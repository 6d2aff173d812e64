import { describe, expect, it } from 'vitest';
import * as graphErrors from '../../src/graph/errors';
import { NON_RETRYABLE, NON_RETRYABLE_GRAPH_ERRORS } from '../../src/shared/errors';
import { DAILY_RETRY, RECLAIM_RETRY } from '../../src/workflows/failures';

/** The `name` each exported Graph error class gives its errors (what Temporal matches on). */
const graphErrorNames = (Object.values(graphErrors) as unknown[])
  .filter((v): v is new (message: string) => Error => typeof v === 'function' && v.prototype instanceof Error)
  .map((ErrorClass) => new ErrorClass('x').name);

describe("the workflows' non-retryable error types", () => {
  it('are one list: every Graph error that no retry can fix, and no retryable one', () => {
    for (const name of NON_RETRYABLE_GRAPH_ERRORS) expect(NON_RETRYABLE).toContain(name);
    expect(NON_RETRYABLE).not.toContain('GraphThrottledError');
    expect(NON_RETRYABLE).not.toContain('GraphTransientError');
    expect(NON_RETRYABLE).not.toContain('WarehouseLockedError');
    expect(DAILY_RETRY.nonRetryableErrorTypes).toBe(NON_RETRYABLE);
    expect(RECLAIM_RETRY.nonRetryableErrorTypes).toBe(NON_RETRYABLE);
  });

  it("name Graph's error classes as they name themselves, so a renamed class cannot silently become retryable", () => {
    expect(graphErrorNames).toContain('GraphThrottledError');
    for (const name of NON_RETRYABLE_GRAPH_ERRORS) expect(graphErrorNames).toContain(name);
  });
});
