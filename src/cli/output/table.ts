// Text tables of any length: widths found with plain loops (spreading 200k values into Math.max overflows the
// stack), every cell made safe for the terminal and cut at 60 characters.
import { safeInline } from './sanitize';

const MAX_WIDTH = 60;

export class TextTable {
  private readonly widths: number[];
  private readonly rows: string[][] = [];

  constructor(private readonly columns: readonly string[]) {
    this.widths = columns.map((c) => Math.min(MAX_WIDTH, safeInline(c).length));
  }

  /** Adds one row of cell texts (null for SQL NULL). */
  add(cells: readonly (string | null)[]): void {
    const row: string[] = new Array<string>(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      const text = cell === null || cell === undefined ? 'NULL' : safeInline(cell);
      row[i] = text;
      if (text.length > this.widths[i]!) this.widths[i] = Math.min(MAX_WIDTH, text.length);
    }
    this.rows.push(row);
  }

  get length(): number {
    return this.rows.length;
  }

  /** The table as lines (header, rule, rows), produced one at a time. */
  *lines(): Generator<string> {
    yield this.line(this.columns.map(safeInline));
    yield this.widths.map((w) => '─'.repeat(w)).join('─┼─');
    for (const row of this.rows) yield this.line(row);
  }

  private line(values: readonly string[]): string {
    let out = '';
    for (let i = 0; i < values.length; i++) {
      const w = this.widths[i]!;
      const v = values[i]!;
      if (i > 0) out += ' │ ';
      out += v.length > w ? `${v.slice(0, w - 1)}…` : v.padEnd(w);
    }
    return out.trimEnd();
  }
}

/** "(3 rows)" or, when cut, "(217,431 rows; the first 100 shown: --limit N or --all for more)". */
export function tableFooter(total: number, shown: number): string {
  const rows = `${total.toLocaleString('en-US')} row${total === 1 ? '' : 's'}`;
  return shown < total ? `(${rows}; the first ${shown.toLocaleString('en-US')} shown: --limit N or --all for more)` : `(${rows})`;
}
