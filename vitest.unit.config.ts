// `npm run test:unit`: the suites that need no Temporal server (warehouse, simulator, Graph client, CLI output,
// report, single activities), run with TEMPORAL_TEST_SKIP_SERVER=1 so the global setup starts none. A fast local
// loop only: `npm test` (what CI runs) runs everything against a real server.
import { defineConfig } from 'vitest/config';

export const UNIT_TESTS = [
  'test/activities/settings-request.test.ts',
  'test/activities/users-sharded-walk.test.ts',
  'test/cli/candidates-output.test.ts',
  'test/cli/output.test.ts',
  'test/cli/people-steps.test.ts',
  'test/cli/reclaim-names.test.ts',
  'test/cli/settings-imported.test.ts',
  'test/cli/usage-errors.test.ts',
  'test/export/export.test.ts',
  'test/graph/**/*.test.ts',
  'test/notify/formats.test.ts',
  'test/notify/webhook.test.ts',
  'test/project/**/*.test.ts',
  'test/report/report-browser.test.ts',
  'test/report/report-simulated.test.ts',
  'test/security/approvals-payload.test.ts',
  'test/security/bad-input.test.ts',
  'test/security/files-and-publish.test.ts',
  'test/security/malformed-rows.test.ts',
  'test/security/query-escapes.test.ts',
  'test/shared/coalesce.test.ts',
  'test/shared/names.test.ts',
  'test/simulator/**/*.test.ts',
  'test/simulator/simulated-days.test.ts',
  'test/temporal/build-progress.test.ts',
  'test/temporal/cli-binary.test.ts',
  'test/warehouse/**/*.test.ts',
  'test/web/form-tokens.test.ts',
  'test/web/serve-security.test.ts',
  'test/web/user-response.test.ts',
  'test/workflows/retry-policy.test.ts',
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
