import { z } from 'zod';

/**
 * DuckDB column types of schemas whose JS type does not say it (a day is text in JS and DATE in the
 * engine; integer widths). A registry of its own, so config and document JSON Schemas stay unchanged.
 */
export const sqlTypes = z.registry<{ sql: string }>();

/** Marks `schema` as a column of DuckDB type `type` and returns it. */
export function sqlType<T extends z.ZodType>(schema: T, type: string): T {
  sqlTypes.add(schema, { sql: type });
  return schema;
}
