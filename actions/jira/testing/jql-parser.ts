/**
 * The JQL the stub understands, parsed as Jira does (quoted strings with backslash escapes), so a
 * value that escapes its quotes would show up as a different query. Anything else is an error, like
 * Jira's 400 for a query it cannot parse.
 */
// A JQL subset: `field = "v"`, `field in ("a", "b")`, joined by AND, then ORDER BY created ASC|DESC.

export interface Clause {
  field: string;
  values: string[];
}
export interface Query {
  clauses: Clause[];
  desc: boolean;
}

export function parseJql(jql: string): Query {
  const tokens = tokenize(jql);
  let i = 0;
  const next = () => tokens[i++];
  const peek = () => tokens[i];
  const expect = (v: string) => {
    const t = next();
    if (t?.v.toLowerCase() !== v || t.quoted) throw new Error(`expected '${v}' but got '${t?.v ?? 'end of query'}'`);
  };
  const value = () => {
    const t = next();
    if (!t || (!t.quoted && !/^[A-Za-z0-9_.@-]+$/.test(t.v))) throw new Error(`expected a value but got '${t?.v ?? 'end of query'}'`);
    return t.v;
  };
  const clauses: Clause[] = [];
  for (;;) {
    const field = next();
    if (!field || field.quoted || !['project', 'labels', 'key', 'issuekey'].includes(field.v.toLowerCase())) {
      throw new Error(`the field '${field?.v ?? ''}' is not supported by the stub`);
    }
    const op = next()?.v.toLowerCase();
    if (op === '=') clauses.push({ field: field.v.toLowerCase(), values: [value()] });
    else if (op === 'in') {
      expect('(');
      const values = [value()];
      while (peek()?.v === ',' && !peek()?.quoted) {
        next();
        values.push(value());
      }
      expect(')');
      clauses.push({ field: field.v.toLowerCase(), values });
    } else throw new Error(`the operator '${op ?? ''}' is not supported by the stub`);
    const t = peek();
    if (!t) return { clauses, desc: false };
    if (!t.quoted && t.v.toLowerCase() === 'and') {
      next();
      continue;
    }
    expect('order');
    expect('by');
    expect('created');
    const dir = next();
    if (next()) throw new Error('unexpected text after ORDER BY');
    return { clauses, desc: dir?.v.toLowerCase() === 'desc' };
  }
}

function tokenize(s: string): { v: string; quoted: boolean }[] {
  const out: { v: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'") {
      let v = '';
      i++;
      while (i < s.length && s[i] !== c) {
        if (s[i] === '\\') {
          i++;
          if (i >= s.length) throw new Error('unterminated escape');
        }
        v += s[i++];
      }
      if (s[i] !== c) throw new Error('unterminated string');
      i++;
      out.push({ v, quoted: true });
    } else if ('(),='.includes(c)) {
      out.push({ v: c, quoted: false });
      i++;
    } else {
      let v = '';
      while (i < s.length && !/[\s(),="']/.test(s[i]!)) v += s[i++];
      out.push({ v, quoted: false });
    }
  }
  return out;
}

