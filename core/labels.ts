/** How people see a permission: its display label with the id beside it; the id stays the key. */

/** `Snowflake (app/0oa7k2ndw3LpQe8sV5d7)`, or the id alone when there is no label (or the label is the id). */
export function labelled(id: string, label: string | null | undefined): string {
  const name = label?.trim();
  return name && name !== id ? `${name} (${id})` : id;
}
