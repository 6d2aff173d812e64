// One structured logger for code outside Temporal; activities and workflows use Temporal's own loggers.
import pino from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: undefined,
  // Never log credentials, even by accident in an object.
  redact: { paths: ['*.clientSecret', '*.client_secret', '*.authorization', '*.Authorization', '*.access_token'], censor: '[redacted]' },
});
export type Logger = typeof logger;
