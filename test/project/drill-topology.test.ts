// The drill (npm run drill) proves the deployment users run only if it runs the same topology as docker-compose.yml:
// it reads the project's services from that file; these checks hold the rest of the two together.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { operatorVariables } from '../../scripts/drill/cluster';
import { authorizerOf, SCHEMA_DATABASES, SCHEMA_PLUGIN, SCHEMA_STEPS, SERVER_CONFIG_FILE, serverEnvironment } from '../../scripts/drill/temporal-cluster';
import { composeService, drilledServices, interpolate, projectServices, readCompose, replicaEnvironment, REPO_ROOT, secretFiles } from '../../scripts/drill/topology';
import { CUSTOM_SEARCH_ATTRIBUTES, cliTypeOf } from '../../src/shared/search-attributes';
import { PKI_FILES, TEMPORAL_ROLES } from '../../src/temporal/pki';
import { SERVER_SOURCE_DIR } from '../../src/temporal/server-binary';

const compose = readCompose();
const raw = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const referenced = new Set([...raw.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
const operator = operatorVariables({ postgresPassword: 'pw', firstTenant: { tenantId: 't', clientId: 'c' }, tenantsFile: '/drill/tenants.json', temporalTlsDir: '/drill/tls' });
const secrets = secretFiles(operator, compose);

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
      .filter(([, s]) => s.build === '.')
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
      const env = replicaEnvironment(s, operator, { 'm365-data': '/drill/data' }, { 'temporal:7233': '127.0.0.1:7999' }, secrets);
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

  it('runs Temporal from deploy/temporal-server behind mutual TLS with the role authorizer', () => {
    const jobs = ['temporal-schema', 'temporal', 'temporal-namespace'].map((n) => compose.services[n]!);
    for (const j of jobs) expect(path.resolve(REPO_ROOT, String(j.build))).toBe(SERVER_SOURCE_DIR);
    expect(new Set(jobs.map((j) => j.image)).size).toBe(1);
    const server = compose.services.temporal!;
    expect(authorizerOf(server.command ?? [])).toBe('roles');
    // The container's config file is the drill's: the image copies deploy/temporal-server/config there.
    const configArg = server.command![server.command!.indexOf('--config-file') + 1]!;
    expect(configArg).toBe(`/etc/temporal/config/${path.basename(SERVER_CONFIG_FILE)}`);
    expect(path.dirname(SERVER_CONFIG_FILE)).toBe(path.join(SERVER_SOURCE_DIR, 'config'));
    const template = readFileSync(SERVER_CONFIG_FILE, 'utf8');
    // Both listeners demand a client certificate from the CA; the system worker's internal frontend exists.
    for (const block of ['frontend', 'internode'])
      expect(template).toMatch(new RegExp(`\\n    ${block}:\\n      server:\\n(?:        .*\\n)*?        requireClientAuth: true\\n        clientCaFiles: \\[\\{\\{ \\$ca`));
    expect(template).toMatch(/\n {2}internal-frontend:\n {4}rpc:/);
    // Every variable compose gives the server is one the template reads; the TLS ones it cannot run without.
    const read = new Set([...template.matchAll(/env "([A-Z0-9_]+)"/g)].map((m) => m[1]!));
    const env = composeService('temporal', compose).environment;
    for (const name of Object.keys(env)) expect(read, name).toContain(name);
    expect(env).toMatchObject({
      TEMPORAL_TLS_CA: '/run/secrets/temporal-ca',
      TEMPORAL_TLS_SERVER_CERT: '/run/secrets/temporal-server-cert',
      TEMPORAL_TLS_SERVER_KEY: '/run/secrets/temporal-server-key',
    });
    // The tests' servers set the same TLS variables.
    const tests = serverEnvironment({ kind: 'sqlite-memory' }, { caFile: 'a', certFile: 'b', keyFile: 'c' });
    for (const name of Object.keys(env).filter((n) => n.startsWith('TEMPORAL_TLS_'))) expect(tests, name).toHaveProperty(name);
  });

  it("gives the drill's server compose's environment, with the drill's certificates and store", () => {
    const env = replicaEnvironment(composeService('temporal', compose), operator, {}, { postgresql: '127.0.0.1' }, secrets);
    expect(env).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: '127.0.0.1',
      POSTGRES_PWD: 'pw',
      TEMPORAL_TLS_CA: `/drill/tls/${PKI_FILES.ca}`,
      TEMPORAL_TLS_SERVER_CERT: `/drill/tls/${PKI_FILES.serverCert}`,
      TEMPORAL_TLS_SERVER_KEY: `/drill/tls/${PKI_FILES.serverKey}`,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
  });

  it('gives every process that calls Temporal the certificate of its role, and mounts no other', () => {
    const roleOf: Record<string, (typeof TEMPORAL_ROLES)[number]> = {
      'graph-worker': 'm365-workers',
      'warehouse-writer': 'm365-workers',
      inbox: 'm365-people',
      'temporal-namespace': 'm365-operators',
      'temporal-ui': 'm365-operators',
    };
    const callers = Object.keys(compose.services).filter((n) => composeService(n, compose).environment.TEMPORAL_TLS_CERT !== undefined);
    expect(callers.sort()).toEqual(Object.keys(roleOf).sort());
    for (const [name, role] of Object.entries(roleOf)) {
      const service = composeService(name, compose);
      const env = replicaEnvironment(service, operator, { 'm365-data': '/drill/data', 'm365-user-responses': '/drill/responses' }, {}, secrets);
      expect(env, name).toMatchObject({
        TEMPORAL_TLS_CERT: `/drill/tls/${PKI_FILES.clientCert(role)}`,
        TEMPORAL_TLS_KEY: `/drill/tls/${PKI_FILES.clientKey(role)}`,
        TEMPORAL_TLS_CA: `/drill/tls/${PKI_FILES.ca}`,
        TEMPORAL_TLS_SERVER_NAME: 'temporal',
      });
      const used = Object.values(service.environment).filter((v) => v.startsWith('/run/secrets/'));
      expect(service.secrets.map((x) => `/run/secrets/${x}`).sort(), name).toEqual(used.sort());
    }
    // Every secret is a file `m365-license temporal-certs` writes, in the one directory the operator names.
    const written = new Set([PKI_FILES.ca, PKI_FILES.serverCert, PKI_FILES.serverKey, ...TEMPORAL_ROLES.flatMap((r) => [PKI_FILES.clientCert(r), PKI_FILES.clientKey(r)])]);
    for (const [name, file] of Object.entries(secrets)) {
      expect(path.dirname(file), name).toBe('/drill/tls');
      expect(written, name).toContain(path.basename(file));
    }
    expect(Object.values(secrets)).not.toContain(`/drill/tls/${PKI_FILES.caKey}`);
  });

  it('interpolates like compose', () => {
    expect(interpolate('${A:-x}/${B-y}/${C}', { A: '', B: '' })).toBe('x//');
    expect(interpolate('$$a', {})).toBe('$a');
    expect(() => interpolate('${P:?set P}', {})).toThrow(/set P/);
  });
});
