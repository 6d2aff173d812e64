// Reads what a run staged, for assertions: every user id across the page files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function stagedUserIds(usersDir: string): { pages: number[]; ids: string[] } {
  const files = readdirSync(usersDir)
    .filter((f) => /^page-\d+\.json$/.test(f))
    .sort();
  const ids: string[] = [];
  for (const f of files) {
    const body = JSON.parse(readFileSync(path.join(usersDir, f), 'utf8')) as { value: Array<{ id: string }> };
    for (const u of body.value) ids.push(u.id);
  }
  return { pages: files.map((f) => Number(f.slice(5, -5))), ids };
}
