// No Docker engine runs on the build machines, so the production compose file is checked by parsing it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
const raw = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  ports?: string[];
  entrypoint?: string[];
  deploy?: { replicas?: number };
}
const compose = parse(raw, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const svc = (name: string): Service => compose.services[name]!;
/** Graph workers and the one warehouse writer: both run this project's image on the shared data volume. */
const WORKERS = ['graph-worker', 'warehouse-writer'];

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, a schema job, the Temporal server, a namespace job, the UI, Graph workers, one warehouse writer and the inbox', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'graph-worker',
      'inbox',
      'postgresql',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'warehouse-writer',
    ]);
    expect(svc('postgresql').image).toMatch(/^postgres:/);
    expect(svc('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    // Temporal's own server with this project's authorizer, built from deploy/temporal-server (not temporalio/server,
    // which cannot take an authorizer); test/project/temporal-server-image.test.ts checks that image.
    for (const s of Object.values(compose.services)) expect(s.image ?? '').not.toMatch(/auto-setup|temporalio\/(server|admin-tools)/);
    expect(svc('temporal').build).toBe('deploy/temporal-server');
    expect(svc('temporal').image).toMatch(/^m365-license-temporal-server:/);
    expect(svc('temporal').environment?.DB).toBe('postgres12');
  });

  it("sets up and upgrades the schema in a one-shot job of the server's image before the server starts", () => {
    const schema = svc('temporal-schema');
    expect(schema.image).toBe(svc('temporal').image);
    const script = (schema.command ?? []).join('\n');
    expect(script).toContain('temporal-sql-tool --plugin postgres12');
    for (const step of [' create', ' setup-schema', ' update-schema']) expect(script).toContain(step);
    expect(script).toContain('temporal_visibility');
    expect(svc('temporal').depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(schema.depends_on?.postgresql?.condition).toBe('service_healthy');
  });

  it('registers the namespace in a one-shot job, and the worker waits for it', () => {
    const ns = svc('temporal-namespace');
    expect(ns.image).toBe(svc('temporal').image);
    expect((ns.command ?? []).join('\n')).toMatch(/temporal operator namespace create/);
    expect(ns.environment?.NAMESPACE).toContain('TEMPORAL_NAMESPACE');
    for (const w of WORKERS) expect(svc(w).depends_on?.['temporal-namespace']?.condition).toBe('service_completed_successfully');
  });

  it('binds every published port to 127.0.0.1 by default', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.map(([n]) => n).sort()).toEqual(['inbox', 'postgresql', 'temporal', 'temporal-ui']);
    for (const [, port] of published) expect(port).toMatch(/^\$\{BIND_IP:-127\.0\.0\.1\}:\d+:\d+$/);
  });

  it('requires a PostgreSQL password: no default anywhere', () => {
    expect(svc('postgresql').environment?.POSTGRES_PASSWORD).toBe('${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}');
    for (const name of ['temporal', 'temporal-schema']) expect(svc(name).environment?.POSTGRES_PWD).toBe('${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}');
    expect(svc('temporal-schema').environment?.SQL_PASSWORD).toBe('${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}');
    expect(raw).not.toMatch(/POSTGRES_PASSWORD:-/);
  });

  it('builds both workers from the Dockerfile with the variables the configuration reads: Graph workers scale, one writer', () => {
    expect(svc('graph-worker').command).toEqual(['worker', '--no-warehouse']);
    expect(svc('graph-worker').deploy?.replicas).toBe(2);
    // One writer only: DuckDB allows one process on the working file.
    expect(svc('warehouse-writer').command).toEqual(['worker', '--warehouse-only']);
    expect(svc('warehouse-writer').deploy?.replicas ?? 1).toBe(1);
    const configSource = readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');
    for (const w of WORKERS) {
      const worker = svc(w);
      expect(worker.build).toBe('.');
      const env = Object.keys(worker.environment ?? {});
      for (const name of [
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'TEMPORAL_TLS_CERT',
        'TEMPORAL_TLS_KEY',
        'TEMPORAL_TLS_CA',
        'M365_TENANT_ID',
        'M365_CLIENT_ID',
        'M365_CLIENT_SECRET',
        'M365_CLIENT_CERT_PATH',
        'M365_DATA_DIR',
        'M365_DB',
        'M365_PUBLISHED_MODE',
        'M365_PUBLISHED_GROUP',
      ]) {
        expect(env).toContain(name);
      }
      // Both verify sign-ins (Graph workers: requests and approvals; the writer: settings changes).
      // Notifications, mail and escalation are sent from activities: every worker gets them, empty (off) by default.
      for (const name of ['M365_NOTIFY_WEBHOOK', 'M365_NOTIFY_SECRET', 'M365_INBOX_URL', 'M365_MAIL_SENDER', 'M365_ESCALATION_GROUP_ID']) {
        expect(worker.environment?.[name], `${w} ${name}`).toBe(`\${${name}:-}`);
      }
      expect(worker.environment?.M365_NOTIFY_FORMAT).toBe('${M365_NOTIFY_FORMAT:-json}');
      for (const name of ['M365_APPROVAL_CLIENT_ID', 'M365_APPROVERS_GROUP_ID', 'M365_SETTINGS_ADMINS_GROUP_ID', 'M365_APPROVAL_IDENTITY']) {
        expect(worker.environment?.[name], `${w} ${name}`).toMatch(new RegExp(`^\\$\\{${name}:-`));
      }
      // Every variable the worker gets is one the configuration schema knows.
      for (const name of env) expect(configSource).toContain(name);
    }
  });

  it("keeps the warehouse and the database on named volumes, /data owned by the image's non-root user", () => {
    // The Graph workers stage the files the writer loads: the same volume, the same M365_DATA_DIR.
    for (const w of WORKERS) {
      expect(svc(w).volumes).toContain('m365-data:/data');
      expect(svc(w).environment?.M365_DATA_DIR).toBe('/data');
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['m365-data', 'm365-user-responses', 'postgres-data']);
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/VOLUME \["\/data"\]/);
    expect(dockerfile).toMatch(/USER node/);
    // The volume copies the image directory's ownership on first use: node must own /data before VOLUME.
    const chownAt = dockerfile.search(/chown node:node \/data/);
    expect(chownAt).toBeGreaterThan(-1);
    expect(chownAt).toBeLessThan(dockerfile.indexOf('VOLUME'));
    expect(dockerfile).toMatch(/mkdir -p \/data\/user-responses && chown node:node \/data \/data\/user-responses /);
  });

  it('runs the web inbox with TLS (it listens on every address inside the network), without any secret, on a read-only data volume', () => {
    const inbox = svc('inbox');
    expect(inbox.build).toBe('.');
    const cmd = inbox.command ?? [];
    expect(cmd[0]).toBe('serve');
    for (const flag of ['--tls-cert', '--tls-key', '--public-url']) expect(cmd).toContain(flag);
    expect(cmd[cmd.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(inbox.volumes).toContain('m365-data:/data:ro');
    // Its one writable place: which "I still need it" links were used (serve keeps them in <data>/user-responses).
    expect(inbox.volumes).toContain('m365-user-responses:/data/user-responses');
    expect((inbox.volumes ?? []).filter((v) => v.startsWith('m365-')).sort()).toEqual(['m365-data:/data:ro', 'm365-user-responses:/data/user-responses']);
    const env = Object.keys(inbox.environment ?? {});
    for (const name of ['M365_CLIENT_SECRET', 'M365_CLIENT_CERT_PATH', 'M365_APPROVAL_KEY_FILE']) expect(env).not.toContain(name);
    for (const name of ['TEMPORAL_ADDRESS', 'M365_APPROVAL_CLIENT_ID', 'M365_APPROVERS_GROUP_ID', 'M365_DB']) expect(env).toContain(name);
    const configSource = readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');
    for (const name of env) expect(configSource).toContain(name);
    expect(inbox.depends_on?.['temporal-namespace']?.condition).toBe('service_completed_successfully');
  });
});
