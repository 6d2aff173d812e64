// Reading one user's licences from Graph and sorting them into direct and group-inherited assignments.
import { GraphNotFoundError } from '../../graph/errors';
import type { GraphClient } from '../../graph/client';
import type { LicenseRef } from './types';

export interface GraphUser {
  id: string;
  userPrincipalName?: string;
  assignedLicenses?: { skuId: string; disabledPlans?: string[] }[];
  licenseAssignmentStates?: { skuId: string; assignedByGroup?: string | null; disabledPlans?: string[]; state?: string }[];
}

export interface GroupLicence {
  skuId: string;
  groupIds: string[];
  disabledPlans: string[];
}

const USER_SELECT = 'id,userPrincipalName,assignedLicenses,licenseAssignmentStates';

export const lower = (s: string): string => s.toLowerCase();

export const userPath = (userId: string): string => `/v1.0/users/${encodeURIComponent(userId)}`;

/** Resolves a UPN or object id to the object id (the CLI calls it, so a UPN never reaches workflow history). */
export async function resolveUserId(graph: GraphClient, upnOrId: string): Promise<string | undefined> {
  try {
    return (await graph.getJson<{ id: string }>(`${userPath(upnOrId)}?$select=id`)).id;
  } catch (err) {
    if (err instanceof GraphNotFoundError) return undefined;
    throw err;
  }
}

export async function readUser(graph: GraphClient, userId: string): Promise<GraphUser | undefined> {
  try {
    return await graph.getJson<GraphUser>(`${userPath(userId)}?$select=${USER_SELECT}`);
  } catch (err) {
    if (err instanceof GraphNotFoundError) return undefined;
    throw err;
  }
}

export function splitLicenses(u: GraphUser): { direct: LicenseRef[]; groups: GroupLicence[] } {
  const direct: LicenseRef[] = [];
  const groups = new Map<string, GroupLicence>();
  for (const s of u.licenseAssignmentStates ?? []) {
    const skuId = lower(s.skuId);
    if (s.assignedByGroup) {
      const g = groups.get(skuId) ?? { skuId, groupIds: [], disabledPlans: (s.disabledPlans ?? []).map(lower) };
      g.groupIds.push(lower(s.assignedByGroup));
      groups.set(skuId, g);
    } else if (!direct.some((d) => d.skuId === skuId)) {
      direct.push({ skuId, disabledPlans: (s.disabledPlans ?? []).map(lower) });
    }
  }
  // A tenant whose responses lack licenseAssignmentStates: assignedLicenses are then taken as direct.
  if (!u.licenseAssignmentStates) for (const a of u.assignedLicenses ?? []) direct.push({ skuId: lower(a.skuId), disabledPlans: (a.disabledPlans ?? []).map(lower) });
  return { direct, groups: [...groups.values()] };
}
