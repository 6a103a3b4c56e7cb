import { shownRows, TICKET_COLUMNS, type Ticket } from '../_shared/ticket.js';

/** A ticket as a Markdown page: the same fields, in the same order, as the Jira issue. */
export function ticketMarkdown(t: Ticket): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const header = `| ${TICKET_COLUMNS.map(([, h]) => h).join(' | ')} |`;
  const rule = `|${TICKET_COLUMNS.map(() => '---').join('|')}|`;
  const shown = shownRows(t);
  const rows = shown.rows.map((r) => `| ${TICKET_COLUMNS.map(([k]) => cell(r[k])).join(' | ')} |`);
  const to = t.route.to === 'manager' ? `manager ${t.route.email}` : 'security review queue';
  return [
    `# ${t.summary}`,
    '',
    `- **Route:** ${to}`,
    `- **Labels:** ${t.labels.map((l) => `\`${l}\``).join(', ')}`,
    '',
    t.intro,
    '',
    `Grants as of ${t.as_of}:`,
    '',
    header,
    rule,
    ...rows,
    '',
    ...(shown.more ? [shown.more, ''] : []),
    ...(t.about ? [`**About the system:** ${t.about}`, ''] : []),
    `**What happens next:** ${t.next}`,
    '',
    `**Restoring access:** ${t.restore}`,
    '',
    `<sub>lapse finding ids: ${t.finding_ids.join(', ')}</sub>`,
    '',
  ].join('\n');
}
