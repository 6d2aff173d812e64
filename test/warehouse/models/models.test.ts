// Models as files in layer folders: every model has a one-line description, dependencies come first, helpers live in
// the schema `internal` and are named with it, and docs/warehouse.md's tables are what `npm run docs:views` generates.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModels, MODELS_DIR } from '../../../src/warehouse/models/read';
import { DOC_END, DOC_START, renderModelsTable, withModelsTable } from '../../../src/warehouse/models/doc-table';

const doc = path.resolve(import.meta.dirname, '../../../docs/warehouse.md');

describe('models', () => {
  const models = loadModels();

  it('each model reads only models created before it', () => {
    const seen = new Set<string>();
    for (const m of models) {
      for (const dep of m.dependsOn) expect(seen, `${m.name} reads ${dep}`).toContain(dep);
      seen.add(m.name);
    }
    expect(models.find((m) => m.name === 'inactive_licensed_users')!.dependsOn).toEqual(['inactive_licensed_evaluation']);
    expect(models.find((m) => m.name === 'users_as_of')!.materialized).toEqual({ kind: 'macro', args: ['d'] });
  });

  it('a cycle or a missing description is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'models-'));
    mkdirSync(path.join(dir, 'marts'));
    writeFileSync(path.join(dir, 'marts', 'a.sql'), '-- reads b\nSELECT * FROM b\n');
    writeFileSync(path.join(dir, 'marts', 'b.sql'), '-- reads a\nSELECT * FROM a\n');
    expect(() => loadModels(dir)).toThrow(/cycle: a -> b -> a/);
    writeFileSync(path.join(dir, 'marts', 'b.sql'), 'SELECT 1\n');
    expect(() => loadModels(dir)).toThrow(/b\.sql must start with "-- <one-line description>"/);
    expect(MODELS_DIR).toMatch(/src\/warehouse\/models\/$/);
  });

  it('reads the layer folders; a model outside them, or two of one name, is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'models-'));
    for (const layer of ['staging', 'intermediate', 'marts']) mkdirSync(path.join(dir, layer));
    writeFileSync(path.join(dir, 'staging', 'base.sql'), '-- the base\nSELECT 1 AS x\n');
    writeFileSync(path.join(dir, 'intermediate', 'helper.sql'), '-- a helper\nSELECT * FROM base\n');
    writeFileSync(path.join(dir, 'marts', 'answer.sql'), '-- the answer\nSELECT * FROM internal.helper\n');
    const read = loadModels(dir);
    expect(read.map((m) => [m.relation, m.layer, m.schema, m.dependsOn])).toEqual([
      ['base', 'staging', 'main', []],
      ['internal.helper', 'intermediate', 'internal', ['base']],
      ['answer', 'marts', 'main', ['helper']],
    ]);
    const fresh = (): string => {
      const d = mkdtempSync(path.join(tmpdir(), 'models-'));
      for (const layer of ['staging', 'marts']) mkdirSync(path.join(d, layer));
      return d;
    };
    const loose = fresh();
    writeFileSync(path.join(loose, 'loose.sql'), '-- no layer\nSELECT 1\n');
    expect(() => loadModels(loose)).toThrow(/loose\.sql is in no layer folder/);
    const unknown = fresh();
    mkdirSync(path.join(unknown, 'misc'));
    writeFileSync(path.join(unknown, 'misc', 'x.sql'), '-- an unknown layer\nSELECT 1\n');
    expect(() => loadModels(unknown)).toThrow(/x\.sql is in no layer folder: move it into one of staging, history, intermediate, marts, money/);
    const twins = fresh();
    writeFileSync(path.join(twins, 'staging', 'x.sql'), '-- one\nSELECT 1\n');
    writeFileSync(path.join(twins, 'marts', 'x.sql'), '-- two\nSELECT 2\n');
    expect(() => loadModels(twins)).toThrow(/Two models are named x: marts\/ and staging\//);
  });

  it('a model that reads a helper without its schema is refused, naming the qualified name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'models-'));
    for (const layer of ['intermediate', 'marts']) mkdirSync(path.join(dir, layer));
    writeFileSync(path.join(dir, 'intermediate', 'helper.sql'), '-- a helper\nSELECT 1 AS x\n');
    writeFileSync(path.join(dir, 'marts', 'answer.sql'), '-- the answer\nSELECT * FROM helper\n');
    expect(() => loadModels(dir)).toThrow(/answer\.sql reads the helper helper without its schema: write internal\.helper/);
  });

  it('the helpers are the intermediate layer, in the schema internal; what analysts and the code read stays in main', () => {
    const byName = new Map(models.map((m) => [m.name, m]));
    expect(
      models
        .filter((m) => m.schema === 'internal')
        .map((m) => m.name)
        .sort(),
    ).toEqual(['latest_activity_snapshot', 'latest_sku_daily', 'rightsizing_matches', 'sku_held_days', 'sku_held_latest', 'sku_part_prices', 'sku_prices_on']);
    for (const name of ['inactive_licensed_users', 'license_spend', 'savings_opportunities', 'sku_daily', 'users_as_of', 'latest_snapshot', 'tenant_settings']) {
      expect(byName.get(name)!.relation).toBe(name);
    }
    expect(byName.get('license_spend')!.dependsOn).toContain('latest_sku_daily');
  });

  it('docs/warehouse.md lists every model with its description (run `npm run docs:views` after editing a model)', () => {
    const text = readFileSync(doc, 'utf8');
    expect(text).toContain(DOC_START);
    expect(text).toContain(DOC_END);
    expect(withModelsTable(text, models)).toBe(text);
    const table = renderModelsTable(models);
    for (const m of models) expect(table).toContain(`| ${m.description.replaceAll('|', '\\|')} |`);
  });
});
