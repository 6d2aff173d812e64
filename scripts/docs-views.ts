// Regenerates the tables of models in docs/warehouse.md from src/warehouse/models/<layer>/*.sql.
// Usage: npm run docs:views            (writes the file)
//        npm run docs:views -- --check (exit 1 when the document is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadModels } from '../src/warehouse/models/read';
import { withModelsTable } from '../src/warehouse/models/doc-table';

const doc = path.join(import.meta.dirname, '..', 'docs', 'warehouse.md');
const before = readFileSync(doc, 'utf8');
const after = withModelsTable(before, loadModels());
if (process.argv.includes('--check')) {
  if (after !== before) {
    process.stderr.write('docs/warehouse.md is out of date: run npm run docs:views\n');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(doc, after);
  process.stdout.write('docs/warehouse.md updated\n');
}
