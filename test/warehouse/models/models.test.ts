// Models as files: every model has a one-line description, dependencies come first, and docs/warehouse.md's
// table is what `npm run docs:views` generates from the files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModels, MODELS_DIR } from '../../../src/warehouse/models/build';
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
    writeFileSync(path.join(dir, 'a.sql'), '-- reads b\nSELECT * FROM b\n');
    writeFileSync(path.join(dir, 'b.sql'), '-- reads a\nSELECT * FROM a\n');
    expect(() => loadModels(dir)).toThrow(/cycle: a -> b -> a/);
    writeFileSync(path.join(dir, 'b.sql'), 'SELECT 1\n');
    expect(() => loadModels(dir)).toThrow(/b\.sql must start with "-- <one-line description>"/);
    expect(MODELS_DIR).toMatch(/src\/warehouse\/models\/$/);
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
