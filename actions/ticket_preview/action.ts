import { readdir } from 'node:fs/promises';
import { z } from 'zod';
import { outputDir, resolvePath } from '../../core/config.js';
import { LocalLake } from '../../core/store.js';
import { defineAction, factsOf } from '../_shared/define.js';
import { buildTickets, GroupBy, type Ticket } from '../_shared/ticket.js';
import { ticketMarkdown } from './markdown.js';
import { previousFiles, removeOwned, writeOwned } from './owned.js';
import { plural } from '../../core/text.js';

/**
 * Writes each ticket lapse would open as a Markdown file (one per group, default (person, system)),
 * plus an index: the embedded default, and a review of exactly what Jira will say.
 *
 * @example
 * actions:
 *   - { type: ticket_preview, dir: ./lapse-out/tickets }
 */
export const ticketPreview = defineAction({
  id: 'ticket_preview',
  title: 'Ticket preview (Markdown)',
  effect: 'report',
  options: z.object({
    dir: outputDir("A local directory for the Markdown tickets; each run replaces the files the previous one wrote, and nothing else."),
    group_by: GroupBy,
  }),
  async plan(ctx, doc, options) {
    return { as_of: doc.as_of, run_id: doc.run_id, tickets: buildTickets(doc, options.group_by, factsOf(ctx)) };
  },
  describe(plan) {
    return { lines: [plural(plan.tickets.length, 'ticket')] };
  },
  async apply(ctx, plan, options) {
    const dir = resolvePath(ctx.config, options.dir);
    const entries = await readdir(dir).catch(() => []);
    const previous = await previousFiles(dir, entries.length === 0);
    const files = [...plan.tickets.map(fileOf), 'index.md'];
    const out = new LocalLake(dir);
    // Listed before writing, so a run stopped halfway still names every file for the next one to remove.
    await writeOwned(out, plan.run_id, [...previous, ...files]);
    for (const t of plan.tickets) await out.writeText(fileOf(t), ticketMarkdown(t));
    await out.writeText('index.md', index(plan.as_of, plan.run_id, plan.tickets));
    const keep = new Set(files);
    await removeOwned(dir, previous.filter((f) => !keep.has(f)));
    await writeOwned(out, plan.run_id, files);
    await out.cleanup();
    return { lines: [`${plural(plan.tickets.length, 'ticket')} → ${dir}`] };
  },
});

/** Readable characters of a subject kept in its file name (a file name holds at most 255 bytes). */
const NAME_CHARS = 80;

/**
 * `<system>/<readable subject>-<12 hex of the ticket's fingerprint>.md`. The subject is cut to ASCII
 * letters, digits and `@._-`, so names could collide (`a/b` and `a_b`, `zoë` and `zoé`, `Ann` and `ann` on a
 * case-insensitive disk, two long names alike in their first 80 characters); the fingerprint, a hash of the
 * unsanitised group, keeps them apart and is stable across runs. System names are folder-safe by the schema.
 */
function fileOf(t: Ticket): string {
  const readable = t.subject.replace(/[^A-Za-z0-9@._-]+/g, '_').replace(/^\./, '_').slice(0, NAME_CHARS);
  return `${t.system}/${readable}-${t.fingerprint.replace(/^lapse-/, '').slice(0, 12)}.md`;
}

function index(asOf: string, runId: string, tickets: Ticket[]): string {
  const lines = tickets.map((t) => `- [${t.summary.replace('[lapse] ', '')}](${fileOf(t)}) — ${plural(t.rows.length, 'grant')}`);
  return [`# lapse tickets as of ${asOf}`, '', `Run \`${runId}\`: ${plural(tickets.length, 'ticket')}.`, '', ...lines, ''].join('\n');
}
