// The documentation's shape: a README short enough to read, whose test command is the one CI runs, and links
// between README, docs/ and the folder READMEs that all lead somewhere (files and headings).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'src/simulator/README.md',
  'src/workflows/README.md',
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchorsOf = (text: string): Set<string> =>
  new Set(
    [...text.matchAll(/^#+\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );

describe('documentation', () => {
  it('keeps the README under 150 lines, with the two commands CI and newcomers run', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    expect(read('.ci/run')).toMatch(/^npm ci && npm test$/m);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      for (const [, link] of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(link!)) continue;
        const [file, anchor] = link!.split('#');
        const target = file ? path.join(path.dirname(doc), file) : doc;
        if (!existsSync(path.join(root, target))) broken.push(`${doc}: ${link}`);
        else if (anchor && target.endsWith('.md') && !anchorsOf(read(target)).has(anchor)) broken.push(`${doc}: ${link}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
