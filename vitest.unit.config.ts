// `npm run test:unit`: the suites that need no Temporal server (warehouse, simulator, Graph client, CLI output,
// report, single activities), run with TEMPORAL_TEST_SKIP_SERVER=1 so the global setup starts none. A fast local
// loop only: `npm test` (what CI runs) runs everything against a real server.
import { defineConfig } from 'vitest/config';

export const UNIT_TESTS = [
  'test/warehouse/**/*.test.ts',
  'test/simulator/**/*.test.ts',
  'test/graph/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/report/**/*.test.ts',
  'test/helpers/simulated-days.test.ts',
  'test/foundation/cli-binary.test.ts',
  'test/foundation/docker-compose.test.ts',
  'test/foundation/docs.test.ts',
  'test/foundation/lint-rules.test.ts',
  'test/operator/webhook.test.ts',
  'test/pipeline/names.test.ts',
  'test/pipeline/retry-policy.test.ts',
  'test/security/approvals-payload.test.ts',
  'test/security/bad-input.test.ts',
  'test/security/files-and-publish.test.ts',
  'test/security/malformed-rows.test.ts',
  'test/security/query-escapes.test.ts',
  'test/spend/admin-files.test.ts',
  'test/spend/latest-sku-daily.test.ts',
  'test/spend/sign-in.test.ts',
  'test/spend/simulator-endpoints.test.ts',
  'test/spend/spend.test.ts',
];

// The settings of vitest.config.ts (importing it would need a .ts extension the type check refuses).
export default defineConfig({
  test: {
    include: UNIT_TESTS,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
