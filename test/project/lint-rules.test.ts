// The architecture rules ESLint enforces: workflow code may not import I/O, and no promise floats anywhere.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
// Probes are linted in a copy of the project's sources and configuration, never written into the real tree.
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), 'm365-lint-'));
  for (const f of ['eslint.config.js', 'tsconfig.json', 'package.json']) cpSync(path.join(root, f), path.join(copy, f));
  cpSync(path.join(root, 'src'), path.join(copy, 'src'), { recursive: true });
  mkdirSync(path.join(copy, 'test'));
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** Lints a probe file placed where the rule applies, with the project's own eslint command and configuration. */
async function lint(relative: string, source: string): Promise<string[]> {
  const file = path.join(copy, relative);
  writeFileSync(file, source);
  try {
    const run = spawnSync(path.join(root, 'node_modules', '.bin', 'eslint'), ['--format', 'json', relative], { cwd: copy, encoding: 'utf8' });
    if (!run.stdout) throw new Error(`eslint printed nothing: ${run.stderr}`);
    const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('lint rules', () => {
  it('forbid Node built-ins and I/O modules in workflow code, but allow type-only imports', async () => {
    const messages = await lint(
      'src/workflows/zz-lint-probe.ts',
      [
        "import { readFileSync } from 'node:fs';",
        "import { loadStagingDir } from '../warehouse';",
        "import type { LoadResult } from '../warehouse/types';",
        'export const probe = [readFileSync, loadStagingDir];',
        'export type Probe = LoadResult;',
      ].join('\n') + '\n',
    );
    expect(
      messages.filter((m) => m.includes('deterministic')),
      messages.join('\n'),
    ).toHaveLength(1);
    expect(messages.filter((m) => m.includes('Workflows only orchestrate'))).toHaveLength(1);
    expect(messages).toHaveLength(2);
  });

  it('forbid floating promises everywhere', async () => {
    const messages = await lint('src/zz-lint-probe.ts', 'async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n}\n');
    expect(messages.some((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
  });

  it('keep functions in src to 80 lines and files to 300, and leave tests free of both limits', async () => {
    const body = Array.from({ length: 81 }, (_, i) => `  total += ${i};`).join('\n');
    const long = `export function long(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
    expect((await lint('src/zz-lint-probe.ts', long)).some((m) => m.startsWith('max-lines-per-function'))).toBe(true);
    const longFile = Array.from({ length: 301 }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n';
    expect((await lint('src/zz-lint-probe.ts', longFile)).some((m) => m.startsWith('max-lines'))).toBe(true);
    expect(await lint('test/zz-lint-probe.ts', long)).toEqual([]);
  });
});
