import { z } from 'zod';

/**
 * The field mapping of the generic connectors: which field of a record is the time, the principal, the
 * permission. A value is a field name (dots reach into nested JSON: `actor.login`) or a template that
 * joins fields: `"{account}/{role}"`.
 */
export const Mapping = z
  .strictObject({
    time: z.string().min(1).describe('Field with the event time (ISO 8601, or epoch s/ms).'),
    principal: z.string().min(1).describe('Field (or template) with who used the permission.'),
    permission: z.string().min(1).describe('Field (or template) naming the permission, as in the grants snapshot.'),
    action: z.string().min(1).optional().describe('Field (or template) with what was done; shown in `lapse parse`.'),
    resource: z.string().min(1).optional().describe('Field (or template) with what it was done to.'),
    event_id: z.string().min(1).optional().describe("Field with the source's event id."),
    outcome: z
      .strictObject({
        field: z.string().min(1).describe('Field with the result of the attempt.'),
        success: z.array(z.string()).min(1).describe('Values (case-insensitive) that mean the use succeeded.'),
      })
      .optional()
      .describe('Records whose outcome is not a success value are denied attempts, not uses.'),
  })
  .describe('Which field of a record is the time, the principal, the permission.');
export type Mapping = z.infer<typeof Mapping>;

const PLACEHOLDER = /\{([^{}]+)\}/g;

/** Every field a mapping reads, in a stable order. */
export function mappingFields(m: Mapping): string[] {
  const values = [m.time, m.principal, m.permission, m.action, m.resource, m.event_id, m.outcome?.field];
  const fields = new Set<string>();
  for (const v of values) {
    if (v === undefined) continue;
    const ph = [...v.matchAll(PLACEHOLDER)].map((x) => x[1]!);
    for (const f of ph.length ? ph : [v]) fields.add(f);
  }
  return [...fields];
}

/**
 * SQL expressions for the mapped values, given how to read one field as VARCHAR, and the parameters they
 * use: a template's literal parts and the success values are bound (`$mapping_0`, …), never spliced into
 * the SQL text. A template yields NULL when any of its fields is missing, so a half-built name never
 * becomes a permission.
 */
export function mappingExprs(m: Mapping, field: (name: string) => string) {
  const params: Record<string, string> = {};
  const bound = (text: string): string => {
    const name = `mapping_${Object.keys(params).length}`;
    params[name] = text;
    return `$${name}::VARCHAR`;
  };
  const value = (v: string | undefined): string => {
    if (v === undefined) return 'NULL::VARCHAR';
    const parts = v.split(PLACEHOLDER);
    if (parts.length === 1) return `nullif(trim(${field(v)}), '')`;
    // split() alternates literal, field, literal, …
    const pieces = parts.map((p, i) => (i % 2 ? `nullif(trim(${field(p)}), '')` : bound(p)));
    return `(${pieces.join(' || ')})`;
  };
  const success = m.outcome
    ? `lower(${field(m.outcome.field)}) IN (${m.outcome.success.map((s) => bound(s.toLowerCase())).join(', ')})`
    : 'true';
  const exprs = {
    time: value(m.time),
    principal: value(m.principal),
    permission: value(m.permission),
    action: value(m.action),
    resource: value(m.resource),
    event_id: value(m.event_id),
    // A record without the outcome field counts as a use: the field may be absent on success.
    success: m.outcome ? `(${field(m.outcome.field)} IS NULL OR ${success})` : 'true',
  };
  return { exprs, params };
}

/**
 * The normalising SELECT shared by the generic connectors, over a relation `mapped` with columns
 * file, ord, raw, bad (a malformed-record reason or NULL) and the value expressions' inputs; with the
 * parameters it binds.
 */
export function normalizeSql(m: Mapping, field: (name: string) => string, from: string): { sql: string; params: Record<string, string> } {
  const { exprs: e, params } = mappingExprs(m, field);
  const sql = `SELECT file, ord, NULL::BIGINT AS sub, t AS time, principal, permission, action, resource, event_id,
  CASE
    WHEN bad IS NOT NULL THEN bad
    WHEN time_text IS NULL THEN 'missing_time'
    WHEN t IS NULL OR NOT lapse_plausible(t) THEN 'bad_time'
    WHEN principal IS NULL THEN 'missing_principal'
    WHEN permission IS NULL THEN 'missing_permission'
    WHEN NOT success THEN 'denied'
  END AS drop_reason,
  bad IS NOT NULL OR time_text IS NULL OR t IS NULL OR NOT lapse_plausible(t)
    OR principal IS NULL OR permission IS NULL AS quarantine,
  raw
FROM (
  SELECT *, lapse_time(time_text) AS t FROM (
    SELECT file, ord, raw, bad,
      ${e.time} AS time_text, ${e.principal} AS principal, ${e.permission} AS permission,
      ${e.action} AS action, ${e.resource} AS resource, ${e.event_id} AS event_id, ${e.success} AS success
    FROM ${from}
  )
)`;
  return { sql, params };
}
