// A tenants file for every tenant a multi-tenant simulator serves, behind its one app: what an MSP's file looks
// like. The secret is named by an environment variable, never written into the file.
import { writeFileSync } from 'node:fs';

/** The parts of a running simulator the file names (a SimulatorHandle has them). */
interface FleetSimulator {
  tenants: Array<{ tenantId: string }>;
  clientId: string;
  authorityHost: string;
  graphUrl: string;
  caFile: string;
}

/** Writes `file` (mode 0600): one entry per simulated tenant, named `<namePrefix>-<i>`, its secret in `secretEnv`. */
export function writeSimulatorTenantsFile(sim: FleetSimulator, file: string, opts: { secretEnv: string; namePrefix: string }): void {
  const tenants = sim.tenants.map((t, i) => ({
    tenantId: t.tenantId,
    name: `${opts.namePrefix}-${i}`,
    clientId: sim.clientId,
    clientSecretEnv: opts.secretEnv,
    authorityHost: sim.authorityHost,
    graphUrl: sim.graphUrl,
    caFile: sim.caFile,
  }));
  writeFileSync(file, JSON.stringify({ tenants }), { mode: 0o600 });
}
