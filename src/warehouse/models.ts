// Views kept as files: src/warehouse/models/<view>.sql holds the view's SELECT, its first line a one-line
// `-- description`. The loader below is deliberately one small function so a generic model loader can replace it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODELS_DIR = fileURLToPath(new URL('./models/', import.meta.url));

/** `CREATE OR REPLACE VIEW` statements for the named models, in the order given (dependencies first). */
export function modelViewsSql(names: readonly string[]): string {
  return names
    .map((name) => {
      const body = readFileSync(`${MODELS_DIR}${name}.sql`, 'utf8').trim();
      if (!/^-- \S/.test(body)) throw new Error(`Model ${name}.sql must start with a one-line "-- description".`);
      return `CREATE OR REPLACE VIEW ${name} AS\n${body.replace(/;\s*$/, '')};`;
    })
    .join('\n');
}
