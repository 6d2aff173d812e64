import { describe, expect, it } from 'vitest';
import { NON_RETRYABLE_GRAPH_ERRORS } from '../../src/graph/errors';
import { NON_RETRYABLE } from '../../src/workflows/failures';

describe("the workflows' non-retryable error types", () => {
  it('include every Graph error that no retry can fix, and no retryable one', () => {
    for (const name of NON_RETRYABLE_GRAPH_ERRORS) expect(NON_RETRYABLE).toContain(name);
    expect(NON_RETRYABLE).not.toContain('GraphThrottledError');
    expect(NON_RETRYABLE).not.toContain('GraphTransientError');
    expect(NON_RETRYABLE).not.toContain('WarehouseLockedError');
  });
});
