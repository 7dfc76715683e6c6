// Row -> record mapping shared by every store: SQLite columns are snake_case, records are camelCase, and the tables
// are read with `SELECT *`, so each store names the columns its record shows (a key hash or removal mark stays out).

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export type CamelFields<Row, K extends keyof Row & string> = { [P in K as CamelCase<P>]: Row[P] };
export type OptionalCamelFields<Row, K extends keyof Row & string> = {
  [P in K as CamelCase<P>]: Exclude<Row[P], null> | undefined;
};

function camelCase(column: string): string {
  return column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** The named columns under their camelCase names, values as stored (null stays null), in the order named. */
export function camelFields<Row extends object, K extends keyof Row & string>(
  row: Row,
  columns: readonly K[],
): CamelFields<Row, K> {
  const fields: Record<string, unknown> = {};
  for (const column of columns) fields[camelCase(column)] = row[column];
  return fields as CamelFields<Row, K>;
}

/** The same for optional fields: a NULL column becomes `undefined`, as records leave out what was never set. */
export function optionalCamelFields<Row extends object, K extends keyof Row & string>(
  row: Row,
  columns: readonly K[],
): OptionalCamelFields<Row, K> {
  const fields: Record<string, unknown> = {};
  for (const column of columns) fields[camelCase(column)] = row[column] ?? undefined;
  return fields as OptionalCamelFields<Row, K>;
}
