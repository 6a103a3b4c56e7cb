/**
 * Permission patterns as DuckDB's GLOB reads them (detect/rules/match.sql does the matching): `*` any
 * run of characters (`/` included), `?` one character, `[abc]` / `[a-z]` / `[!a]` one of a set, `\x`
 * the character x itself. Everything else is literal and case-sensitive. Here: only what the config
 * needs to know about a pattern before any SQL runs.
 */

/** One piece of a pattern: a literal character, or a wildcard (`*`, `?` or a bracket set). */
type Token = { literal: true; text: string } | { literal: false; text: string };

/** Whether a permission key is a pattern rather than an exact name. */
export function isGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/** What is wrong with a pattern (GLOB would silently match nothing), or null when it is well formed. */
export function globProblem(pattern: string): string | null {
  const tokens = tokenize(pattern);
  return typeof tokens === 'string' ? tokens : null;
}

/** The pattern's literal (non-wildcard) characters: more of them is a more specific pattern. */
export function literalChars(pattern: string): number {
  const tokens = tokenize(pattern);
  return typeof tokens === 'string' ? 0 : tokens.filter((t) => t.literal).length;
}

/** The pattern's pieces, or a message naming what is malformed and where. */
function tokenize(pattern: string): Token[] | string {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (i + 1 === pattern.length) return `a glob cannot end in a lone \\ (write \\\\ for a backslash)`;
      out.push({ literal: true, text: pattern[++i]! });
    } else if (c === '[') {
      const end = setEnd(pattern, i);
      if (end < 0) return `the [ at character ${i + 1} is never closed by ] (write \\[ for a literal [)`;
      const problem = setProblem(pattern.slice(i + 1, end));
      if (problem) return `${pattern.slice(i, end + 1)}: ${problem}`;
      out.push({ literal: false, text: pattern.slice(i, end + 1) });
      i = end;
    } else out.push({ literal: c !== '*' && c !== '?', text: c });
  }
  return out;
}

/** Where the bracket set opened at `start` closes (a `]` first in the set, after an optional `!`, is a member), or -1. */
function setEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '!') i++;
  if (pattern[i] === ']') i++;
  return pattern.indexOf(']', i);
}

/** What makes a bracket set's body match nothing in DuckDB (a backwards range, a trailing -), or null. */
function setProblem(body: string): string | null {
  const members = body.startsWith('!') ? body.slice(1) : body;
  if (members.length > 1 && members.endsWith('-')) return 'a - last in a set matches nothing in DuckDB (put it first)';
  for (let i = 1; i + 1 < members.length; i++) {
    if (members[i] === '-' && members[i - 1]! > members[i + 1]!) return `the range ${members.slice(i - 1, i + 2)} is backwards: it matches nothing`;
  }
  return null;
}
