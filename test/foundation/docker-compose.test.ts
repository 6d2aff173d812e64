// No Docker engine runs on the build machines, so the production compose file is checked by parsing it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: unknown; environment?: Record<string, string>; volumes?: string[]; depends_on?: unknown; command?: string[]; deploy?: { replicas?: number } }>;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, the Temporal server with schema setup, the UI, Graph workers and one warehouse writer', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['graph-worker', 'postgresql', 'temporal', 'temporal-ui', 'warehouse-writer']);
    expect(compose.services.postgresql?.image).toMatch(/^postgres:/);
    expect(compose.services.temporal?.image).toMatch(/^temporalio\/auto-setup:/);
    expect(compose.services.temporal?.environment?.DB).toBe('postgres12');
    expect(compose.services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
  });

  it('builds both workers from the Dockerfile with the variables the configuration reads', () => {
    const graph = compose.services['graph-worker']!;
    const writer = compose.services['warehouse-writer']!;
    expect(graph.command).toEqual(['worker', '--no-warehouse']);
    expect(graph.deploy?.replicas).toBe(2);
    // One writer only: DuckDB allows one process on the working file.
    expect(writer.command).toEqual(['worker', '--warehouse-only']);
    expect(writer.deploy?.replicas ?? 1).toBe(1);
    const configSource = readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');
    for (const worker of [graph, writer]) {
      expect(worker.build).toBe('.');
      const env = Object.keys(worker.environment ?? {});
      for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET', 'M365_CLIENT_CERT_PATH', 'M365_DATA_DIR', 'M365_DB']) {
        expect(env).toContain(name);
      }
      // Every variable the worker gets is one the configuration schema knows.
      for (const name of env) expect(configSource).toContain(name);
    }
  });

  it('keeps the warehouse and the database on named volumes', () => {
    // The Graph workers stage files the writer loads: both on the same volume, the same M365_DATA_DIR.
    for (const name of ['graph-worker', 'warehouse-writer']) {
      expect(compose.services[name]?.volumes).toContain('m365-data:/data');
      expect(compose.services[name]?.environment?.M365_DATA_DIR).toBe('/data');
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['m365-data', 'postgres-data']);
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/VOLUME \["\/data"\]/);
  });
});
