// Every server the project starts or documents registers the inbox's search attributes: the dev server (started
// with --search-attribute), docker compose's init container, and the README's production commands.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUSTOM_SEARCH_ATTRIBUTES, cliTypeOf } from '../../src/shared/search-attributes';
import { connectClient } from '../helpers/temporal';

const root = path.join(import.meta.dirname, '..', '..');

describe('custom search attributes', () => {
  it('the dev server has them, compose and the README register them with their types', async () => {
    const { client, close } = await connectClient();
    try {
      const r = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const a of CUSTOM_SEARCH_ATTRIBUTES) expect(Object.keys(r.customAttributes ?? {})).toContain(a.name);
    } finally {
      await close();
    }
    const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const a of CUSTOM_SEARCH_ATTRIBUTES) {
      expect(compose).toContain(`${a.name}=${cliTypeOf(a.type)}`);
      expect(readme).toContain(`--name ${a.name} --type ${cliTypeOf(a.type)}`);
    }
  });
});
