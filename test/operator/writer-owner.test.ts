// The working database's owner file: DuckDB's POSIX lock vanishes when its process closes any other descriptor
// of the file (publish's copy does), so ownership is also claimed in a file that names the writer's pid.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WarehouseLockedError } from '../../src/warehouse';
import { claimWriter, releaseWriter, writerOwner } from '../../src/warehouse/writer-owner';

describe('writer owner file', () => {
  it('a live other owner keeps this process out; a dead one is taken over; release removes the claim', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'm365-owner-')), 'work.duckdb');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(`${file}.owner`, JSON.stringify({ pid: other.pid }));
      expect(writerOwner(file)).toBe(other.pid);
      expect(() => claimWriter(file)).toThrow(WarehouseLockedError);
      expect(() => claimWriter(file)).toThrow(new RegExp(`process ${other.pid}`));
    } finally {
      other.kill();
      await new Promise((r) => other.once('exit', r));
    }
    expect(writerOwner(file)).toBeUndefined();
    claimWriter(file);
    expect(existsSync(`${file}.owner`)).toBe(true);
    releaseWriter(file);
    expect(existsSync(`${file}.owner`)).toBe(false);
  });
});
