// Transitive group membership through Graph (POST /users/{id}/checkMemberGroups): the
// approvers group at approval time and the exclusion groups at execution. At most 20 ids per call, so chunks.
import type { GraphClient } from '../../graph/client';

const CHUNK = 20;

/** The subset of `groupIds` the user belongs to, directly or through nested groups (lower case). */
export async function memberGroups(graph: GraphClient, userId: string, groupIds: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(groupIds.map((g) => g.toLowerCase()))];
  const found: string[] = [];
  for (let i = 0; i < wanted.length; i += CHUNK) {
    const r = await graph.postJson<{ value?: string[] }>(`/v1.0/users/${encodeURIComponent(userId)}/checkMemberGroups`, { groupIds: wanted.slice(i, i + CHUNK) });
    for (const g of r.value ?? []) found.push(g.toLowerCase());
  }
  return wanted.filter((g) => found.includes(g));
}
