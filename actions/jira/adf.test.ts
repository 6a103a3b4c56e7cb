import { describe, expect, test } from 'vitest';
import { buildTickets, TICKET_COLUMNS, TICKET_MAX_ROWS, type Ticket } from '../_shared/ticket.js';
import { ticketMarkdown } from '../ticket_preview/markdown.js';
import { adfText, commentAdf, fitDescription, MAX_DESCRIPTION_CHARS, paragraph, ticketAdf } from './adf.js';
import { adfErrors } from './testing/adf-schema.js';
import { doc, finding, REPORT_RUN, WORLD } from './testing/fixtures.js';

/** Jira descriptions are valid ADF (Atlassian's schema) and say exactly what the Markdown preview says. */

const many = Array.from({ length: 45 }, (_, i) =>
  finding({ system: 'gcp', principal: 'zed@corp.example', permission: `project/p-${String(i).padStart(2, '0')}`, kind: 'terminated' }),
);
const odd = finding({
  system: 'github',
  principal: 'o`dd|name@corp.example',
  permission: "repo/acme/it's `weird` | <b>&amp;",
  via: '',
  team: null,
  manager: null,
});
const TICKETS: Ticket[] = [...buildTickets(doc([...Object.values(WORLD), ...many, odd]), 'person_system', REPORT_RUN)];

describe('ticket rows', () => {
  test('a finding below high confidence says why in its row, so the reviewer sees it where they decide', () => {
    const reason = 'a lone use on 2026-05-20, 41 days after its regular use ended, does not restart the TTL; a person confirms before it is revoked';
    const stray = finding({ system: 'aws', principal: 'zoe@corp.example', permission: '1/Dev', confidence: 'medium', confidence_reason: reason });
    const plainOne = finding({ system: 'aws', principal: 'zoe@corp.example', permission: '1/Ops' });
    const [t] = buildTickets(doc([stray, plainOne]), 'person_system', REPORT_RUN);
    const rows = new Map(t!.rows.map((r) => [r.permission, r.finding]));
    expect(rows.get('1/Dev')).toContain(`(medium confidence: ${reason})`);
    expect(rows.get('1/Ops')).not.toContain('confidence');
  });
});

describe('ADF rendering', () => {
  test.each(TICKETS.map((t) => [t.summary, t] as const))('valid against the ADF JSON schema: %s', (_name, t) => {
    expect(adfErrors(ticketAdf(t))).toEqual([]);
    expect(adfErrors(fitDescription(t))).toEqual([]);
  });

  test('the schema validator refuses what Jira refuses (it is not a rubber stamp)', () => {
    expect(adfErrors({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] })).not.toEqual([]);
    expect(adfErrors({ type: 'doc', version: 1, content: [{ type: 'table', content: [] }] })).not.toEqual([]);
    expect(adfErrors({ type: 'doc', content: [] })).not.toEqual([]);
  });

  test('backtick spans become code; an unclosed backtick stays text; empty text gets a dash', () => {
    expect(paragraph('run `lapse restore --x` now', 'Restoring access: ').content).toEqual([
      { type: 'text', text: 'Restoring access: ', marks: [{ type: 'strong' }] },
      { type: 'text', text: 'run ' },
      { type: 'text', text: 'lapse restore --x', marks: [{ type: 'code' }] },
      { type: 'text', text: ' now' },
    ]);
    expect(paragraph('a `b').content).toEqual([{ type: 'text', text: 'a ' }, { type: 'text', text: 'b' }]);
    expect(paragraph('').content).toEqual([{ type: 'text', text: '—' }]);
    expect(adfErrors(commentAdf('', '``', 'x'))).toEqual([]);
  });

  test('a ticket over the row cap shows TICKET_MAX_ROWS rows and counts the rest, in Jira and in the preview alike', () => {
    const big = TICKETS.find((t) => t.rows.length === 45)!;
    const table = ticketAdf(big).content.find((n) => n.type === 'table')!;
    expect(table.content).toHaveLength(TICKET_MAX_ROWS + 1); // + the header row
    expect(adfText(ticketAdf(big))).toContain('…and 5 more grants: lapse explain zed@corp.example lists them all.');
    expect(ticketMarkdown(big)).toContain('…and 5 more grants: `lapse explain zed@corp.example` lists them all.');
    expect(adfText(ticketAdf(big))).toContain(big.finding_ids.join(', ')); // every id is still listed
  });

  test('absurdly long cells: fewer rows, so the description still fits a Jira field', () => {
    const huge = buildTickets(doc(many.map((f) => ({ ...f, permission: `${f.permission}/${'x'.repeat(2000)}` }))), 'person_system', REPORT_RUN)[0]!;
    expect(JSON.stringify(ticketAdf(huge)).length).toBeGreaterThan(MAX_DESCRIPTION_CHARS);
    const fitted = fitDescription(huge);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
    expect(adfErrors(fitted)).toEqual([]);
  });
});

describe('Jira says what the preview says', () => {
  /** The text a reader sees, in order: Markdown syntax and ADF structure both stripped. */
  const words = (s: string) => s.replaceAll('`', '').replace(/<\/?sub>|\*\*|\\\|/g, ' ').replace(/[|#-]+/g, ' ').split(/\s+/).filter(Boolean);
  const body = (t: Ticket) => ticketMarkdown(t).split('\n').slice(5).join('\n'); // after title, route and labels (Jira fields)

  test.each(TICKETS.map((t) => [t.summary, t] as const))('%s', (_name, t) => {
    expect(words(adfText(ticketAdf(t)))).toEqual(words(body(t)));
  });

  test('the comparison notices a difference', () => {
    const t = TICKETS[0]!;
    const other = { ...t, rows: t.rows.map((r, i) => (i === 0 ? { ...r, last_used: '1999-01-01' } : r)) };
    expect(words(adfText(ticketAdf(other)))).not.toEqual(words(body(t)));
  });

  test('every column is in both, in the same order', () => {
    const t = TICKETS[0]!;
    const headerRow = (ticketAdf(t).content.find((n) => n.type === 'table')!.content[0]!.content as { content: { content: { text: string }[] }[] }[]).map(
      (c) => c.content[0]!.content[0]!.text,
    );
    expect(headerRow).toEqual(TICKET_COLUMNS.map(([, h]) => h));
    expect(ticketMarkdown(t)).toContain(`| ${TICKET_COLUMNS.map(([, h]) => h).join(' | ')} |`);
  });

  test('restore instructions name the system and, for one grant, the exact command', () => {
    const single = TICKETS.find((t) => t.rows.length === 1 && t.system === 'okta')!;
    expect(single.restore).toContain('`lapse restore --system okta --principal ann@corp.example --permission app/0oa1 --reason \'<why>\' --requested-by <who>`');
    const several = TICKETS.find((t) => t.rows.length === 2)!;
    expect(several.restore).toContain('--principal <account> --permission <permission>');
    expect(several.restore).toContain('(the values are in the table)');
    const weird = TICKETS.find((t) => t.system === 'github')!;
    expect(weird.restore).toContain('--principal <account> --permission <permission>'); // values with backticks cannot be shown as code
  });
});
