import { shownRows, TICKET_COLUMNS, TICKET_MAX_ROWS, type Ticket } from '../_shared/ticket.js';

/**
 * Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/):
 * the JSON Jira Cloud REST v3 takes for descriptions and comments. Only the nodes lapse writes.
 */
export type AdfMark = { type: 'strong' } | { type: 'code' } | { type: 'subsup'; attrs: { type: 'sub' } };
export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
export interface AdfCell {
  type: 'tableHeader' | 'tableCell';
  content: AdfParagraph[];
}
export interface AdfTable {
  type: 'table';
  attrs: { isNumberColumnEnabled: false; layout: 'default' };
  content: { type: 'tableRow'; content: AdfCell[] }[];
}
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: (AdfParagraph | AdfTable)[];
}

/**
 * The Jira description of a ticket: the same content, in the same order, as the Markdown preview
 * (actions/ticket_preview/markdown.ts) below its title and metadata: intro, the grants table, what the
 * config says about the system (if anything), what happens next, how to restore access, the finding ids.
 * `maxRows` only goes below the shared cap when a description would not fit Jira's field (see `fitDescription`).
 */
export function ticketAdf(t: Ticket, maxRows = TICKET_MAX_ROWS): AdfDoc {
  const shown = shownRows(t, maxRows);
  const header = { type: 'tableRow' as const, content: TICKET_COLUMNS.map(([, h]) => cell('tableHeader', h)) };
  const rows = shown.rows.map((r) => ({ type: 'tableRow' as const, content: TICKET_COLUMNS.map(([k]) => cell('tableCell', r[k])) }));
  return {
    type: 'doc',
    version: 1,
    content: [
      paragraph(t.intro),
      paragraph(`Grants as of ${t.as_of}:`),
      { type: 'table', attrs: { isNumberColumnEnabled: false, layout: 'default' }, content: [header, ...rows] },
      ...(shown.more ? [paragraph(shown.more)] : []),
      ...(t.about ? [paragraph(t.about, 'About the system: ')] : []),
      paragraph(t.next, 'What happens next: '),
      paragraph(t.restore, 'Restoring access: '),
      { type: 'paragraph', content: [{ type: 'text', text: `lapse finding ids: ${t.finding_ids.join(', ')}`, marks: [{ type: 'subsup', attrs: { type: 'sub' } }] }] },
    ],
  };
}

/** A comment body: one paragraph per string (backtick spans are code). */
export function commentAdf(...paragraphs: string[]): AdfDoc {
  return { type: 'doc', version: 1, content: paragraphs.map((p) => paragraph(p)) };
}

/**
 * A paragraph from text where backtick spans are code, optionally led by a bold label. ADF refuses
 * empty text nodes, so empty spans are dropped and an empty paragraph shows a dash.
 */
export function paragraph(text: string, label?: string): AdfParagraph {
  const content: AdfText[] = label ? [{ type: 'text', text: label, marks: [{ type: 'strong' }] }] : [];
  text.split('`').forEach((part, i) => {
    if (part === '') return;
    // An odd number of backticks leaves the last span unclosed: it stays plain text.
    const code = i % 2 === 1 && i < text.split('`').length - 1;
    content.push(code ? { type: 'text', text: part, marks: [{ type: 'code' }] } : { type: 'text', text: part });
  });
  return { type: 'paragraph', content: content.length ? content : [{ type: 'text', text: '—' }] };
}

function cell(type: AdfCell['type'], text: string): AdfCell {
  return { type, content: [{ type: 'paragraph', content: [{ type: 'text', text: text === '' ? '—' : text }] }] };
}

/** The plain text of an ADF document (comments read back as a decision's reason). */
export function adfText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  const n = node as { type?: unknown; text?: unknown; content?: unknown };
  if (n.type === 'text' && typeof n.text === 'string') return n.text;
  if (n.type === 'hardBreak') return '\n';
  const inner = Array.isArray(n.content) ? n.content.map(adfText) : [];
  const block = n.type === 'paragraph' || n.type === 'heading' || n.type === 'listItem' || n.type === 'tableRow';
  return block ? `${inner.join('')}\n` : inner.join(n.type === 'tableCell' || n.type === 'tableHeader' ? ' ' : '');
}

/** Jira Cloud refuses a description longer than 32,767 characters; keep a margin for its own encoding. */
export const MAX_DESCRIPTION_CHARS = 30_000;

/** The description, with fewer rows if (with absurdly long cells) the usual cap would not fit. */
export function fitDescription(t: Ticket): AdfDoc {
  let max = TICKET_MAX_ROWS;
  let doc = ticketAdf(t, max);
  while (JSON.stringify(doc).length > MAX_DESCRIPTION_CHARS && max > 1) {
    max = Math.floor(max / 2);
    doc = ticketAdf(t, max);
  }
  return doc;
}
