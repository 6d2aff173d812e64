// Form tokens (src/web/csrf.ts): good once, for the session and the action they were made for, until they expire.
import { describe, expect, it } from 'vitest';
import { FormTokens } from '../../src/web/csrf';

describe('form tokens', () => {
  it('accept a token once, for its own session and action, before it expires', () => {
    let now = 1_000_000;
    const tokens = new FormTokens(() => now);
    const t = tokens.issue('session-a', '/requests/x/decision');
    expect(tokens.consume(t, 'session-a', '/requests/x/decision')).toBeUndefined();
    expect(tokens.consume(t, 'session-a', '/requests/x/decision')).toBe('unknown_or_used');
    expect(tokens.consume(null, 'session-a', '/requests/x/decision')).toBe('missing');
    expect(tokens.consume(tokens.issue('session-a', '/requests/x/decision'), 'session-b', '/requests/x/decision')).toBe('other_session');
    expect(tokens.consume(tokens.issue('session-a', '/requests/x/decision'), 'session-a', '/requests/y/decision')).toBe('other_action');
    const old = tokens.issue('session-a', '/signout');
    now += 31 * 60 * 1000;
    expect(tokens.consume(old, 'session-a', '/signout')).toBe('expired');
  });

  it("spends a token even when it is refused, and forgets a session's tokens at sign-out", () => {
    const tokens = new FormTokens();
    const t = tokens.issue('session-a', '/signout');
    expect(tokens.consume(t, 'session-b', '/signout')).toBe('other_session');
    expect(tokens.consume(t, 'session-a', '/signout')).toBe('unknown_or_used');
    const u = tokens.issue('session-a', '/signout');
    tokens.forget('session-a');
    expect(tokens.consume(u, 'session-a', '/signout')).toBe('unknown_or_used');
  });
});
