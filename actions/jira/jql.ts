/**
 * JQL built from values, never by pasting them in: every value is a quoted JQL string with `"` and
 * `\` escaped (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/ — "use quotes for
 * values with spaces or reserved characters"; a backslash escapes the quote).
 */
export function jqlString(value: string): string {
  if (/[\u0000-\u001f]/.test(value)) throw new Error(`JQL value ${JSON.stringify(value)} contains a control character`);
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The issues of one project carrying any of these labels, oldest first. */
export function labelsQuery(project: string, labels: string[]): string {
  if (labels.length === 0) throw new Error('labelsQuery needs at least one label');
  return `project = ${jqlString(project)} AND labels in (${labels.map(jqlString).join(', ')}) ORDER BY created ASC`;
}
