// A real pino logger whose JSON lines are kept in memory, so tests can read exactly what would be printed.
import pino from 'pino';
import type { Logger } from '../../src/logger';

export function captureLogger(): { logger: Logger; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const logger: Logger = pino({ level: 'debug', base: undefined }, { write: (line: string) => void out.push(line) });
  return { logger, text: () => out.join(''), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
