/**
 * The `lapse restore` command that gives one revoked grant back, as the site (and any notice) shows it:
 * every value quoted for a POSIX shell, so it can be pasted as it is.
 */
export function restoreCommand(g: { system: string; principal: string; permission: string }, config = 'lapse.yaml'): string {
  return [
    'lapse restore',
    `--config ${shellWord(config)}`,
    `--system ${shellWord(g.system)}`,
    `--principal ${shellWord(g.principal)}`,
    `--permission ${shellWord(g.permission)}`,
    "--reason '<why>' --requested-by <who>",
  ].join(' ');
}

/** A word for a POSIX shell: as it is when plainly safe, else single-quoted (a `'` inside closes, escapes, reopens). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9@%_+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
