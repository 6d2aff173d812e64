// Every server the project starts or documents registers the inbox's search attributes: the dev server (started
// with --search-attribute), docker compose's init container, and the production commands in docs/reclamation.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUSTOM_SEARCH_ATTRIBUTES, cliTypeOf } from '../../../src/shared/search-attributes';
import { connectClient } from '../../support/temporal';

const root = path.join(import.meta.dirname, '..', '..', '..');

describe('custom search attributes', () => {
  it('the dev server has them, compose and docs/reclamation.md register them with their types', async () => {
    const { client, close } = await connectClient();
    try {
      const r = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const a of CUSTOM_SEARCH_ATTRIBUTES) expect(Object.keys(r.customAttributes ?? {})).toContain(a.name);
    } finally {
      await close();
    }
    const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const runbook = readFileSync(path.join(root, 'docs', 'reclamation.md'), 'utf8');
    for (const a of CUSTOM_SEARCH_ATTRIBUTES) {
      expect(compose).toContain(`${a.name}=${cliTypeOf(a.type)}`);
      expect(runbook).toContain(`--name ${a.name} --type ${cliTypeOf(a.type)}`);
    }
  });
});
