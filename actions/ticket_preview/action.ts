import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { resolvePath } from '../../core/config.js';
import { ActionError } from '../../core/errors.js';
import { LocalLake } from '../../core/store.js';
import { defineAction } from '../_shared/define.js';
import { buildTickets, GroupBy, type Ticket } from '../_shared/ticket.js';
import { ticketMarkdown } from './markdown.js';

/** Marks a directory as lapse's own, so replacing its previews never deletes someone else's files. */
const MARKER = '.lapse-preview';

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
    dir: z.string().min(1).describe('Directory for the Markdown tickets; replaced on each run.'),
    group_by: GroupBy,
  }),
  async plan(_ctx, doc, options) {
    return { as_of: doc.as_of, run_id: doc.run_id, tickets: buildTickets(doc, options.group_by) };
  },
  describe(plan) {
    return { lines: [`${plan.tickets.length} tickets`] };
  },
  async apply(ctx, plan, options) {
    const dir = resolvePath(ctx.config, options.dir);
    await clearPreviews(dir);
    const out = new LocalLake(dir);
    await out.writeText(MARKER, 'Written by lapse ticket_preview; this directory is replaced on each run.\n');
    for (const t of plan.tickets) await out.writeText(fileOf(t), ticketMarkdown(t));
    await out.writeText('index.md', index(plan.as_of, plan.run_id, plan.tickets));
    await out.cleanup();
    return { lines: [`${plan.tickets.length} tickets → ${dir}`] };
  },
});

function fileOf(t: Ticket): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9@._-]+/g, '_');
  return `${safe(t.system)}/${safe(t.subject)}.md`;
}

function index(asOf: string, runId: string, tickets: Ticket[]): string {
  const lines = tickets.map((t) => `- [${t.summary.replace('[lapse] ', '')}](${fileOf(t)}) — ${t.rows.length} grants`);
  return [`# lapse tickets as of ${asOf}`, '', `Run \`${runId}\`: ${tickets.length} tickets.`, '', ...lines, ''].join('\n');
}

async function clearPreviews(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries || entries.length === 0) return;
  if (!(await stat(join(dir, MARKER)).catch(() => undefined))) {
    throw new ActionError(`ticket_preview: ${dir} is not empty and was not written by lapse; choose another dir`);
  }
  await Promise.all(entries.map((e) => rm(join(dir, e), { recursive: true, force: true })));
}
