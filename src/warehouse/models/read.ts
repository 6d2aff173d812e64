// Reading the analyst models, dbt-style: one file per model in src/warehouse/models/<layer>/<name>.sql, the
// folder saying which layer it belongs to (see LAYERS). The first line is a `-- ` comment with the model's one-line
// description (docs/warehouse.md's tables are generated from it); an optional `-- materialized: view|table|macro(arg,
// ...)` line follows (default view). Models are returned in dependency order, a model after everything it reads.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODELS_DIR = fileURLToPath(new URL('./', import.meta.url));

/**
 * The layers, in the order data flows through them; each is a folder of models/. `intermediate` holds the
 * plumbing other models share: it is created in the DuckDB schema `internal`, so `SHOW TABLES` and the analysts'
 * part of docs/warehouse.md list the answers only. Every other layer is in `main`.
 */
export const LAYERS = {
  staging: 'thin views over the loaded tables and history files',
  history: 'the snapshots over time: per snapshot, `*_history` (valid from/to), `*_changes`, `*_as_of(d)`',
  intermediate: 'helpers other models read (schema `internal`), not answers',
  marts: 'the answers about licences, activity and reclamation candidates',
  money: 'spend, prices and savings',
} as const;
export type Layer = keyof typeof LAYERS;

/** The schema of the helper models; models that read one name it `internal.<name>`. */
export const INTERNAL_SCHEMA = 'internal' as const;

export type Materialization = { kind: 'view' } | { kind: 'table' } | { kind: 'macro'; args: string[] };

export interface Model {
  name: string;
  layer: Layer;
  /** `internal` for a helper (the intermediate layer), else `main`. */
  schema: 'main' | typeof INTERNAL_SCHEMA;
  /** The name SQL uses: `internal.<name>` for a helper, the bare name for everything analysts read. */
  relation: string;
  description: string;
  materialized: Materialization;
  /** The SELECT, with templates not yet expanded. */
  sql: string;
  /** Other models this one reads (found by name in its SQL). */
  dependsOn: string[];
}

const isLayer = (folder: string): folder is Layer => Object.hasOwn(LAYERS, folder);

/** The model's SQL without comments and templates: what the dependency search looks at. */
const codeOf = (sql: string): string => sql.replace(/--[^\n]*/g, ' ').replace(/\{\{[^}]*\}\}/g, ' ');

function parseModel(file: string, text: string): Omit<Model, 'dependsOn'> {
  const name = path.basename(file, '.sql');
  const folder = file.split(path.sep)[0]!;
  if (!isLayer(folder) || folder === file) {
    throw new Error(`Model ${file} is in no layer folder: move it into one of ${Object.keys(LAYERS).join(', ')}.`);
  }
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('-- ') || first.trim().length < 4) throw new Error(`Model ${name}.sql must start with "-- <one-line description>"`);
  let materialized: Materialization = { kind: 'view' };
  const m = /^--\s*materialized:\s*(view|table|macro)(?:\(([^)]*)\))?\s*$/.exec(lines[1] ?? '');
  if (m) {
    materialized =
      m[1] === 'macro'
        ? {
            kind: 'macro',
            args: (m[2] ?? '')
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean),
          }
        : { kind: m[1] as 'view' | 'table' };
  }
  const schema = folder === 'intermediate' ? INTERNAL_SCHEMA : 'main';
  const relation = schema === 'main' ? name : `${schema}.${name}`;
  return { name, layer: folder, schema, relation, description: first.slice(3).trim(), materialized, sql: text.trim().replace(/;\s*$/, '') };
}

/**
 * The models a model reads. A helper must be named with its schema (`internal.x`): an unqualified name would not
 * resolve from a view in `main`, and the error DuckDB gives at writer open would not say why.
 */
function dependencies(model: Omit<Model, 'dependsOn'>, all: ReadonlyMap<string, Omit<Model, 'dependsOn'>>): string[] {
  const code = codeOf(model.sql);
  const deps: string[] = [];
  for (const other of all.values()) {
    if (other.name === model.name || !new RegExp(`\\b${other.name}\\b`).test(code)) continue;
    if (other.relation !== other.name && new RegExp(`(?<![\\w.])${other.name}\\b`).test(code)) {
      throw new Error(`Model ${model.name}.sql reads the helper ${other.name} without its schema: write ${other.relation}.`);
    }
    deps.push(other.name);
  }
  return deps.sort();
}

/** Every model file below `dir`, as paths relative to it, sorted. */
function modelFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

function readModels(dir: string): Model[] {
  const parsed = new Map<string, Omit<Model, 'dependsOn'>>();
  for (const file of modelFiles(dir)) {
    const model = parseModel(file, readFileSync(path.join(dir, file), 'utf8'));
    const twin = parsed.get(model.name);
    if (twin) throw new Error(`Two models are named ${model.name}: ${twin.layer}/ and ${model.layer}/. Model names are unique across layers.`);
    parsed.set(model.name, model);
  }
  const models = new Map([...parsed].map(([name, m]) => [name, { ...m, dependsOn: dependencies(m, parsed) }]));
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`Models depend on each other in a cycle: ${[...trail, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const model = models.get(name)!;
    for (const dep of model.dependsOn) visit(dep, [...trail, name]);
    state.set(name, 'done');
    ordered.push(model);
  };
  for (const name of [...models.keys()].sort()) visit(name, []);
  return ordered;
}

const loaded = new Map<string, Model[]>();

/**
 * Every model, in dependency order (a model after everything it reads). Read once per process: the models a
 * writer refreshes are the ones it created at open, even if the files change under a running worker.
 */
export function loadModels(dir = MODELS_DIR): Model[] {
  const cached = loaded.get(dir);
  if (cached) return cached;
  const models = readModels(dir);
  loaded.set(dir, models);
  return models;
}
