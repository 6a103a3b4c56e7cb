/**
 * HTML by construction: every value put into the `html` template is escaped unless it is already
 * `Html` (built by this same template). A principal named `<script>` is text, never markup.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element or a quoted attribute value (also inside SVG). */
export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | null | undefined | false | Part[];

function render(value: Part): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return esc(String(value));
}

/** A tagged template: `html\`<td>${name}</td>\`` escapes `name`; nested `Html` and arrays of it stay as they are. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

/** A number for people: 1234 → "1,234"; a ratio as a percentage with one decimal. */
export const fmt = (n: number): string => n.toLocaleString('en-US');
export const pct = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '–');

export type Cell = string | number | null | Html;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A data table (the readable fallback under every chart): numbers right-aligned, `null` shown as –.
 * `caption` names what the table holds, for screen readers and for people.
 */
export function table(caption: string, headers: string[], rows: Cell[][]): Html {
  if (rows.length === 0) return html`<p class="empty">${caption}: none.</p>`;
  const cell = (c: Cell) =>
    typeof c === 'number' ? html`<td class="num">${fmt(c)}</td>`
    : c === null ? html`<td class="nil">–</td>`
    : typeof c === 'string' && DAY.test(c) ? html`<td class="day">${c}</td>`
    : html`<td>${c}</td>`;
  return html`<div class="scroll"><table><caption>${caption}</caption>
<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map(cell)}</tr>\n`)}</tbody></table></div>`;
}
