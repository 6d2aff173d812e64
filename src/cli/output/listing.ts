// Options shared by long listings (`query`, `candidates`): --format, --limit N, --all. A table on a terminal shows
// the first DEFAULT_TERMINAL_ROWS rows and the total; pipes and files get every row unless --limit says otherwise.
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { FORMATS, type OutputFormat, type RenderOptions } from './render';

export const DEFAULT_TERMINAL_ROWS = 100;

export interface ListingFlags {
  format?: string;
  limit?: string;
  all?: boolean;
}

export function parseFormat(value: string | undefined): OutputFormat {
  const f = (value ?? 'table') as OutputFormat;
  if (!FORMATS.includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${value}`);
  return f;
}

export function addListingOptions(cmd: Command): Command {
  return cmd
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--limit <n>', `print at most N rows (a table on a terminal prints ${DEFAULT_TERMINAL_ROWS} unless told)`)
    .option('--all', 'print every row, also in a table on a terminal');
}

export function listingOptions(flags: ListingFlags, isTerminal = Boolean(process.stdout.isTTY)): RenderOptions {
  const format = parseFormat(flags.format);
  if (flags.limit !== undefined && flags.all) throw new UsageError('--limit and --all exclude each other');
  if (flags.limit !== undefined) {
    const n = Number(flags.limit);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--limit must be a whole number >= 0, got ${flags.limit}`);
    return { format, limit: n };
  }
  if (flags.all) return { format };
  return { format, limit: format === 'table' && isTerminal ? DEFAULT_TERMINAL_ROWS : undefined };
}
