// SQL text helpers shared by the warehouse modules.

/** Quotes a value as a SQL string literal (file paths in table-function arguments). */
export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Quotes an identifier (CSV column names contain spaces). */
export const sqlIdent = (value: string): string => `"${value.replaceAll('"', '""')}"`;
