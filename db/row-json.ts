import { getTableColumns, type Table } from 'drizzle-orm';

// The cycle's writes run as SQL functions that take their rows as jsonb (the record-cycle-function
// migration). A row goes in holding exactly what drizzle would have sent the driver for each column,
// keyed by column name, so the function's jsonb_populate_record parses every value with its column's
// own type, as the statements it replaced did: instants as the column's ISO text, amounts as their
// text (never a JS number), numbers as the text the driver sends, jsonb columns as the value itself.

/** What String#isWellFormed/toWellFormed give (ES2024; Node 20 has them, the ES2023 lib does not). */
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * Text as the drivers send it: a lone surrogate becomes U+FFFD, as encoding it to UTF-8 does. (JSON
 * would escape it instead, and jsonb refuses that escape; a jsonb column's own text is not touched,
 * so a lone surrogate in it is refused as before.)
 */
const driverText = (value: string) =>
  (value as WellFormedString).isWellFormed() ? value : (value as WellFormedString).toWellFormed();

/**
 * `values` (by schema key, as given to drizzle's insert or set) as one jsonb row keyed by column name.
 * An undefined value is left out, as drizzle leaves it: the column's default on insert, the stored
 * value kept on update (the functions populate over the stored row).
 */
export function rowJson<T extends Table>(table: T, values: Record<string, unknown>): Record<string, unknown> {
  const columns = getTableColumns(table) as Record<string, T['_']['columns'][string]>;
  const row: Record<string, unknown> = {};
  for (const key in values) {
    const value = values[key];
    if (value === undefined) continue;
    const column = columns[key];
    if (!column) throw new Error(`${key} is not a column of the table`);
    if (value === null) row[column.name] = null;
    else if (column.columnType === 'PgJsonb') row[column.name] = value;
    else {
      const sent = column.mapToDriverValue(value);
      row[column.name] =
        typeof sent === 'string' ? driverText(sent) : typeof sent === 'number' ? String(sent) : sent;
    }
  }
  return row;
}
