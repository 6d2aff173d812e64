// The simulated directory's people and groups beyond licences: the tenant's admins (who sign in with the device-code
// flow), an approvers group with a nested group (transitive membership), and groups tests create.
import { guid } from './prng';
import type { Tenant } from './tenant';

export interface SimGroup {
  id: string;
  displayName: string;
  /** Direct members: user or group object ids (lower case). */
  members: Set<string>;
}

export class Directory {
  readonly groups = new Map<string, SimGroup>();
  /** Object ids of the simulated admins, in order: [0] requests but is no approver, [1] and [2] are direct members of
   *  the approvers group, [3] is a member through the nested group. */
  readonly admins: string[];
  readonly approversGroupId: string;
  readonly nestedApproversGroupId: string;
  /** Test/dev hook: when set, every device code is approved at once as this user (object id or UPN). */
  autoApprove: string | undefined;
  private nextGroup = 0;

  constructor(
    private readonly tenant: Tenant,
    private readonly seed: number,
  ) {
    this.admins = [];
    for (let i = 0; i < tenant.userCount && this.admins.length < 4; i++) {
      const u = tenant.userAt(i);
      if (u.kind === 'member' && u.accountEnabled) this.admins.push(u.id);
    }
    this.approversGroupId = this.addGroup('License approvers', guid(seed, 300, 0));
    this.nestedApproversGroupId = this.addGroup('License approvers (regional)', guid(seed, 300, 1));
    if (this.admins[1]) this.addMember(this.approversGroupId, this.admins[1]);
    if (this.admins[2]) this.addMember(this.approversGroupId, this.admins[2]);
    this.addMember(this.approversGroupId, this.nestedApproversGroupId);
    if (this.admins[3]) this.addMember(this.nestedApproversGroupId, this.admins[3]);
  }

  /** Creates a security group; returns its id. */
  addGroup(displayName: string, id = guid(this.seed, 301, this.nextGroup++)): string {
    this.groups.set(id.toLowerCase(), { id: id.toLowerCase(), displayName, members: new Set() });
    return id.toLowerCase();
  }

  addMember(groupId: string, memberId: string): void {
    const g = this.groups.get(groupId.toLowerCase());
    if (!g) throw new Error(`no simulated group ${groupId}`);
    g.members.add(memberId.toLowerCase());
  }

  removeMember(groupId: string, memberId: string): void {
    this.groups.get(groupId.toLowerCase())?.members.delete(memberId.toLowerCase());
  }

  /** The user ids in a directory group, nested groups included; undefined for an unknown group. */
  transitiveUsers(groupId: string): string[] | undefined {
    const root = this.groups.get(groupId.toLowerCase());
    if (!root) return undefined;
    const users = new Set<string>();
    const seen = new Set<string>();
    const walk = (g: SimGroup): void => {
      if (seen.has(g.id)) return;
      seen.add(g.id);
      for (const m of g.members) {
        const nested = this.groups.get(m);
        if (nested) walk(nested);
        else users.add(m);
      }
    };
    walk(root);
    return [...users];
  }

  /** The subset of `groupIds` the object belongs to, directly or through nested groups; licence-assigning groups
   *  count their users (from licenseAssignmentStates). */
  memberOf(objectId: string, groupIds: readonly string[]): string[] {
    const id = objectId.toLowerCase();
    const index = this.tenant.indexOfId(id);
    const licenceGroups = new Set(
      index >= 0
        ? this.tenant
            .licenses(index)
            .map((l) => l.assignedByGroup)
            .filter((g): g is string => g !== null)
        : [],
    );
    const within = (groupId: string, seen: Set<string>): boolean => {
      if (licenceGroups.has(groupId)) return true;
      const g = this.groups.get(groupId);
      if (!g || seen.has(groupId)) return false;
      seen.add(groupId);
      if (g.members.has(id)) return true;
      for (const m of g.members) if (this.groups.has(m) && within(m, seen)) return true;
      return false;
    };
    return groupIds.filter((g) => within(g.toLowerCase(), new Set()));
  }
}
