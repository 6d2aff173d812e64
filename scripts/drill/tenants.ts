// The drill's tenants: one simulated Microsoft 365 tenant per entry (identity platform + Graph over HTTPS, each
// with its own CA), all described in one tenants file the workers read, each secret in a file of its own.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';

export interface DrillTenants {
  sims: SimulatorHandle[];
  tenantsFile: string;
  close(): Promise<void>;
}

export interface TenantPlan {
  count: number;
  /** Users in most tenants; the tenant whose users walk a Graph worker dies in is larger. */
  users: number;
  walkTenantUsers: number;
  today: string;
  /** Seeds are fixed, so a clean run of the same simulated day sees the same tenants. */
  firstSeed?: number;
}

export async function startTenants(dir: string, plan: TenantPlan): Promise<DrillTenants> {
  const sims: SimulatorHandle[] = [];
  const first = plan.firstSeed ?? 2500;
  try {
    for (let i = 0; i < plan.count; i++) {
      sims.push(await startSimulator({ users: i === 0 ? plan.walkTenantUsers : plan.users, seed: first + i, today: plan.today, dir: path.join(dir, `sim-${i}`) }));
    }
  } catch (err) {
    for (const s of sims) await s.close();
    throw err;
  }
  const tenants = sims.map((s, i) => {
    const secretFile = path.join(dir, `tenant-${i}.secret`);
    writeFileSync(secretFile, `${s.clientSecret}\n`, { mode: 0o600 });
    return {
      tenantId: s.tenantId,
      name: `drill-${i}`,
      clientId: s.clientId,
      clientSecretFile: secretFile,
      authorityHost: s.authorityHost,
      graphUrl: s.graphUrl,
      caFile: s.caFile,
      approvalClientId: s.publicClientId,
      approversGroupId: s.approversGroupId,
    };
  });
  const tenantsFile = path.join(dir, 'tenants.json');
  writeFileSync(tenantsFile, JSON.stringify({ tenants }, null, 2), { mode: 0o600 });
  return {
    sims,
    tenantsFile,
    async close() {
      for (const s of sims) await s.close();
    },
  };
}
