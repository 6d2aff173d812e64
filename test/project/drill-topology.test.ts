// The drill (npm run drill) proves the deployment users run only if it runs the same topology as docker-compose.yml:
// it reads the project's services from that file; these checks hold the rest of the two together.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { operatorVariables } from '../../scripts/drill/cluster';
import { SCHEMA_DATABASES, SCHEMA_PLUGIN, SCHEMA_STEPS } from '../../scripts/drill/temporal-cluster';
import { drilledServices, interpolate, projectServices, readCompose, replicaEnvironment, REPO_ROOT } from '../../scripts/drill/topology';
import { CUSTOM_SEARCH_ATTRIBUTES, cliTypeOf } from '../../src/shared/search-attributes';

const compose = readCompose();
const raw = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const referenced = new Set([...raw.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
const operator = operatorVariables({ postgresPassword: 'pw', firstTenant: { tenantId: 't', clientId: 'c' }, tenantsFile: '/drill/tenants.json' });

describe('the drill topology is docker-compose.yml', () => {
  it("runs the compose file's worker services with their commands and replicas", () => {
    const services = drilledServices(projectServices(compose));
    expect(services.map((s) => [s.name, s.command.join(' '), s.replicas])).toEqual([
      ['graph-worker', 'worker --no-warehouse', 2],
      ['warehouse-writer', 'worker --warehouse-only', 1],
    ]);
    // Every service built from this repository is a worker the drill runs, or the approvers' web inbox, which
    // it leaves out (it decides by signal and update); the rest are Temporal's and PostgreSQL's.
    const built = Object.entries(compose.services)
      .filter(([, s]) => s.build !== undefined)
      .map(([n]) => n);
    expect(projectServices(compose).map((s) => s.name)).toEqual(built);
    const drilled = new Set(services.map((s) => s.name));
    expect(
      projectServices(compose)
        .filter((s) => !drilled.has(s.name))
        .map((s) => s.command[0]),
    ).toEqual(['serve']);
  });

  it('gives each replica exactly the compose environment, with /data on one shared directory', () => {
    for (const s of drilledServices(projectServices(compose))) {
      const env = replicaEnvironment(s, operator, { 'm365-data': '/drill/data' }, { 'temporal:7233': '127.0.0.1:7999' });
      expect(Object.keys(env).sort()).toEqual(Object.keys(s.environment).sort());
      expect(env.M365_DATA_DIR).toBe('/drill/data');
      expect(env.M365_DB).toBe('/drill/data/m365.duckdb');
      expect(env.TEMPORAL_ADDRESS).toBe('127.0.0.1:7999');
      expect(env.M365_TENANTS_FILE).toBe('/drill/tenants.json');
      expect(s.volumes).toEqual([{ volume: 'm365-data', mountPath: '/data' }]);
    }
    expect(Object.keys(compose.volumes)).toContain('m365-data');
  });

  it('sets only variables the compose file reads', () => {
    for (const name of Object.keys(operator)) expect(referenced, name).toContain(name);
  });

  it("creates the schema with the steps of the compose file's temporal-schema job", () => {
    const script = (compose.services['temporal-schema']!.command ?? []).join('\n');
    expect(script).toContain(`temporal-sql-tool --plugin ${SCHEMA_PLUGIN}`);
    for (const step of SCHEMA_STEPS) expect(script).toContain(` ${step.args.join(' ')}`);
    // The drill reads the same versioned directories (temporal, visibility) from the server's schema files.
    expect(script).toContain('postgresql/v12/$$dir/versioned');
    for (const [db, dir] of Object.entries(SCHEMA_DATABASES)) {
      expect(script).toContain(db);
      expect(script).toContain(`dir=${dir}`);
    }
  });

  it("registers the search attributes the compose file's namespace job registers", () => {
    const script = (compose.services['temporal-namespace']!.command ?? []).join('\n');
    for (const a of CUSTOM_SEARCH_ATTRIBUTES) expect(script).toContain(`${a.name}=${cliTypeOf(a.type)}`);
  });

  it('interpolates like compose', () => {
    expect(interpolate('${A:-x}/${B-y}/${C}', { A: '', B: '' })).toBe('x//');
    expect(interpolate('$$a', {})).toBe('$a');
    expect(() => interpolate('${P:?set P}', {})).toThrow(/set P/);
  });
});
