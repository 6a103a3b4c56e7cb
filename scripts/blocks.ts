/** A generated block of a Markdown file: the text between `<!-- NAME:begin … -->` and `<!-- NAME:end -->`. */
export function withBlock(text: string, name: string, content: string, file: string): string {
  const begin = new RegExp(`<!-- ${name}:begin[^>]*-->`).exec(text);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (!begin || end < begin.index) throw new Error(`${file}: no block between "<!-- ${name}:begin … -->" and "<!-- ${name}:end -->"`);
  const from = begin.index + begin[0].length;
  return `${text.slice(0, from)}\n${content}\n${text.slice(end)}`;
}
