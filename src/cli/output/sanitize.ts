// Terminal and spreadsheet safety for anything we print from data: a UPN or display name from Graph, or a cell
// an analyst selected, must not move the cursor, rewrite the screen, flip text direction or run as a formula.

/** C0 controls except tab/newline/CR, DEL, C1 controls, and the bidi overrides/isolates ("Trojan Source"). */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const ALL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** For one-line output (table cells, messages): every control character goes, line breaks and tabs become spaces. */
export function safeInline(s: string): string {
  return s.replace(ALL_CONTROLS, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''));
}

/** For multi-line text (CSV cells, error messages): keeps tab, LF and CR, strips every other control character. */
export function safeText(s: string): string {
  return s.replace(UNSAFE, '');
}

/**
 * OWASP CSV-injection rule, widened: a text cell whose first non-blank character is = + - @ (ASCII or fullwidth,
 * which some spreadsheets fold to ASCII), or that starts with tab, CR or LF, is prefixed with a single quote so
 * spreadsheets show it as text instead of evaluating it. Applied to text columns only: -5 in a number column is a number.
 * FORMULA_START is written so JavaScript and DuckDB (RE2) read it the same way; the export builds its SQL from it.
 */
export const FORMULA_START = '^([\t\r\n]|[ ]*[=+\\-@\uFF1D\uFF0B\uFF0D\uFF20])';
const FORMULA_START_RE = new RegExp(FORMULA_START);
export function neutraliseFormula(s: string): string {
  return FORMULA_START_RE.test(s) ? `'${s}` : s;
}

/** UNSAFE as an RE2 character class, for SQL that strips control characters inside DuckDB (the CSV export). */
export const UNSAFE_SQL_CLASS = '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x{9f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]';

/** One CSV cell: control characters stripped, formulas neutralised (text cells), quoted when needed (RFC 4180). */
export function csvCell(s: string, isText = true): string {
  const v = isText ? neutraliseFormula(safeText(s)) : safeText(s);
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * JSON.stringify already escapes C0 controls; C1 controls and bidi overrides pass through raw and some terminals act on
 * them. Escaping them keeps the JSON equal in value.
 */
export function safeJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
