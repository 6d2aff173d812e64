import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTemporalCli, temporalCacheDir, TemporalCliUnavailableError } from '../../src/temporal/cli-binary';

const scratch = () => {
  const dir = path.join(os.tmpdir(), `cli-binary-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const fakeExecutable = (file: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
};

describe('finding the Temporal CLI', () => {
  it('prefers $TEMPORAL_CLI, then PATH, then the shared per-user cache', async () => {
    const dir = scratch();
    const explicit = path.join(dir, 'explicit', 'temporal');
    const onPath = path.join(dir, 'bin', 'temporal');
    const cacheHome = path.join(dir, 'cache');
    const cached = path.join(temporalCacheDir({ XDG_CACHE_HOME: cacheHome }), 'temporal');
    [explicit, onPath, cached].forEach(fakeExecutable);
    const log = () => {};
    expect(await ensureTemporalCli({ env: { TEMPORAL_CLI: explicit, PATH: path.dirname(onPath), XDG_CACHE_HOME: cacheHome }, log })).toBe(explicit);
    expect(await ensureTemporalCli({ env: { PATH: path.dirname(onPath), XDG_CACHE_HOME: cacheHome }, log })).toBe(onPath);
    expect(await ensureTemporalCli({ env: { PATH: path.join(dir, 'empty'), XDG_CACHE_HOME: cacheHome }, log })).toBe(cached);
  });

  it('puts the cache under XDG_CACHE_HOME, versioned, so every clone shares one build', () => {
    expect(temporalCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/m365-license-pipeline/temporal-1.5.1');
  });

  it('rejects a TEMPORAL_CLI that is not executable', async () => {
    await expect(ensureTemporalCli({ env: { TEMPORAL_CLI: '/nonexistent/temporal' }, log: () => {} })).rejects.toBeInstanceOf(TemporalCliUnavailableError);
  });

  it('finds the real binary this run uses without building it again', async () => {
    const lines: string[] = [];
    const cli = await ensureTemporalCli({ log: (l) => lines.push(l) });
    expect(cli).toMatch(/temporal$/);
    expect(lines.filter((l) => l.includes('Building'))).toEqual([]);
  });
});
