// The pure parts of the approval gate: the decision payload's schema check, the binding check, and the scope hash
// (a SHA-256 written for workflow code, checked against Node's).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scopeHash, sha256Hex } from '../../src/shared/scope-hash';
import { boundCheck, checkDecisionPayload, type GateState } from '../../src/workflows/reclaim/approval-gate';

const sealed = 'm365sealed.v1.AAAAAAAAAAAAAAAA.wrapped.BBBBBBBBBBBBBBBB.ct.CCCCCCCCCCCCCCCCCCCCCC';
const ok = { idToken: sealed, runId: '0193a0b2-7c4e-7d1a-9f00-000000000001', scopeHash: 'a'.repeat(64) };

describe('approval payloads and scope hashes', () => {
  it('accepts a well-formed decision and refuses every malformed one with a reason that echoes no value', () => {
    expect(checkDecisionPayload(ok, 'approve', 'verified')).toMatchObject({ ok: true });
    expect(checkDecisionPayload({ ...ok, comment: sealed }, 'approve', 'verified')).toMatchObject({ ok: true });
    const cases: Array<[unknown, RegExp]> = [
      [null, /JSON object/],
      [['x'], /JSON object/],
      ['{"by":"x"}', /JSON object/],
      [{ by: ['x'], comment: { x: 1 } }, /by must be a short text/],
      [{ ...ok, evil: 1 }, /unknown field "evil"/],
      [{ ...ok, ['x'.repeat(40)]: 1 }, /an unknown field$/],
      [{ ...ok, idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' }, /idToken must be a sealed token/],
      [{ runId: ok.runId, scopeHash: ok.scopeHash, by: 'bob' }, /idToken is required/],
      [{ ...ok, runId: 'x y' }, /runId/],
      [{ ...ok, scopeHash: 'A'.repeat(64) }, /scopeHash/],
      [{ ...ok, comment: 'plain words' }, /comment must be sealed/],
    ];
    for (const [raw, why] of cases) {
      const r = checkDecisionPayload(raw, 'approve', 'verified');
      expect(r.ok, JSON.stringify(raw)).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(why);
        expect(r.reason).not.toMatch(/plain words|eyJ|x y/);
      }
    }
    expect(checkDecisionPayload(ok, 'reject', 'verified')).toMatchObject({ ok: false, reason: 'malformed: reason is required to reject' });
    expect(checkDecisionPayload({ ...ok, comment: sealed }, 'reject', 'verified')).toMatchObject({ ok: false });
    // The lab mode takes a name instead of a token.
    expect(checkDecisionPayload({ by: 'bob', runId: ok.runId, scopeHash: ok.scopeHash }, 'approve', 'unverified')).toMatchObject({ ok: true });
  });

  it('binds to the state: awaiting approval, undecided, this run, this scope', () => {
    const state: GateState = {
      workflowId: 'reclaim-t-u',
      status: 'awaiting_approval',
      runId: ok.runId,
      scopeHash: ok.scopeHash,
      requesterId: 'r',
      identity: 'verified',
      events: [],
    };
    expect(boundCheck(state, ok)).toBeUndefined();
    expect(boundCheck({ ...state, status: 'checking' }, ok)).toBe('wrong_state: checking');
    expect(boundCheck({ ...state, status: 'executed' }, ok)).toBe('wrong_state: executed');
    expect(boundCheck({ ...state, decision: { kind: 'reject', by: 'x', at: '' } }, ok)).toBe('already_decided');
    expect(boundCheck(state, { ...ok, runId: 'other' })).toBe('other_run');
    expect(boundCheck(state, { ...ok, scopeHash: 'b'.repeat(64) })).toBe('stale_scope');
  });

  it("the pure SHA-256 equals Node's; the scope hash changes with user, SKUs, dry run and source run, not SKU order", () => {
    for (const t of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'é🙂 ünïcode'.repeat(50)]) {
      expect(sha256Hex(t)).toBe(createHash('sha256').update(t).digest('hex'));
    }
    const base = { kind: 'remove' as const, tenantId: 't', userId: 'u', skus: ['a', 'b'], dryRun: false };
    const h = scopeHash(base);
    expect(scopeHash({ ...base, skus: ['b', 'a'] })).toBe(h);
    for (const v of [{ userId: 'v' }, { skus: ['a'] }, { dryRun: true }, { kind: 'restore' as const }, { sourceRunId: 'r1' }]) expect(scopeHash({ ...base, ...v })).not.toBe(h);
  });
});
