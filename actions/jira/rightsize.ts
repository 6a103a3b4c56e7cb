import { sha256, canonicalJson } from '../../core/hash.js';
import type { ActionContext, ActionReport, RightsizeHook, RightsizeTicket } from '../_shared/define.js';
import { MAX_DESCRIPTION_CHARS, paragraph, type AdfDoc } from './adf.js';
import { stateOf } from './answers.js';
import type { ApiDeps, JiraApi } from './client.js';
import { labelsQuery } from './jql.js';
import type { JiraOptions } from './options.js';
import { tickets as ticketCount } from './tickets.js';

/**
 * `lapse rightsize --tickets` through Jira: one ticket per (system, unit owner) with the recommendations.
 * Deduped as the findings' tickets are, by a fingerprint label the JQL search finds (`lapse-<16 hex>`, from
 * `rightsize`, the system and the owner): an open ticket is updated when its content changed (its content
 * hash is a label too), left alone when not, and a new one is opened only when none is open.
 */

export interface RightsizeJiraTicket {
  fingerprint: string;
  /** `lapse-rs-<12 hex>`: the content, so an unchanged ticket is not edited (nor its watchers notified). */
  content_label: string;
  summary: string;
  owner: string;
  fields: Record<string, unknown>;
  labels: string[];
}

export interface RightsizeJiraPlan {
  project: string;
  tickets: RightsizeJiraTicket[];
}

/** Jira's summary is one line of at most 255 characters. */
const SUMMARY_MAX = 255;

export function rightsizeFingerprint(system: string, owner: string): string {
  return `lapse-${sha256(canonicalJson(['rightsize', system, owner])).slice(0, 16)}`;
}

export function planRightsize(tickets: RightsizeTicket[], options: JiraOptions): RightsizeJiraPlan {
  return {
    project: options.project,
    tickets: tickets.map((t) => {
      const fingerprint = rightsizeFingerprint(t.system, t.owner);
      const summary = t.summary.replace(/\s+/g, ' ').trim().slice(0, SUMMARY_MAX);
      const description = descriptionOf(t.paragraphs);
      const content_label = `lapse-rs-${sha256(canonicalJson({ summary, description, issue_type: options.issue_type })).slice(0, 12)}`;
      const labels = [...new Set([fingerprint, content_label, 'lapse-rightsize', ...options.labels])];
      return {
        fingerprint, content_label, summary, owner: t.owner, labels,
        fields: { project: { key: options.project }, issuetype: { name: options.issue_type }, summary, description, ...options.custom_fields },
      };
    }),
  };
}

/** The paragraphs that fit Jira's description limit; the rest is named, not cut mid-way. */
function descriptionOf(paragraphs: string[]): AdfDoc {
  const kept: string[] = [];
  let size = 0;
  for (const p of paragraphs) {
    if (size + p.length > MAX_DESCRIPTION_CHARS - 200) {
      kept.push(`… ${paragraphs.length - kept.length} more paragraphs: run lapse rightsize --json for all of it`);
      break;
    }
    kept.push(p);
    size += p.length;
  }
  return { type: 'doc', version: 1, content: kept.map((p) => paragraph(p)) };
}

export function describeRightsize(plan: RightsizeJiraPlan): ActionReport {
  return { lines: [`${ticketCount(plan.tickets.length)} in ${plan.project} (rightsize)`, ...plan.tickets.map((t) => `ticket: ${t.summary} → ${t.owner}`)] };
}

/** Opens, updates or leaves each ticket; `deps` as applyJira's (tests inject the environment). */
export async function applyRightsize(ctx: ActionContext, plan: RightsizeJiraPlan, options: JiraOptions, deps: ApiDeps & { env?: NodeJS.ProcessEnv } = {}): Promise<ActionReport> {
  const { credentialsFrom, JiraApi } = await import('./client.js');
  const api = new JiraApi(options, credentialsFrom(options, deps.env ?? process.env), ctx.log, deps);
  const outcomes = new Map(Object.entries(options.resolutions).map(([name, o]) => [name.toLowerCase(), o]));
  const counts = { opened: 0, updated: 0, unchanged: 0 };
  const lines: string[] = [];
  for (const t of plan.tickets) {
    const open = (await api.search(labelsQuery(plan.project, [t.fingerprint]), [])).filter((i) => stateOf(i, outcomes).kind === 'open');
    const current = open[0];
    if (!current) {
      const created = await api.create(`rightsize issue for ${t.fingerprint}`, { ...t.fields, labels: t.labels });
      lines.push(`opened ${created.key}: ${t.summary}`);
      counts.opened++;
    } else if (current.fields.labels?.includes(t.content_label)) {
      counts.unchanged++;
    } else {
      await update(api, current.key, t, current.fields.labels ?? []);
      lines.push(`updated ${current.key}: ${t.summary}`);
      counts.updated++;
    }
  }
  return { lines: [`${ticketCount(plan.tickets.length)} in ${plan.project} (rightsize): ${counts.opened} opened, ${counts.updated} updated, ${counts.unchanged} unchanged`, ...lines] };
}

async function update(api: JiraApi, key: string, t: RightsizeJiraTicket, present: string[]): Promise<void> {
  const { project: _p, issuetype: _i, ...editable } = t.fields;
  const stale = present.filter((l) => l.startsWith('lapse-rs-') && l !== t.content_label);
  const add = t.labels.filter((l) => !present.includes(l));
  await api.edit(key, editable, { labels: [...add.map((l) => ({ add: l })), ...stale.map((l) => ({ remove: l }))] });
}

export const jiraRightsize: RightsizeHook<typeof import('./options.js').JiraOptions, RightsizeJiraPlan> = {
  plan: (_ctx, tickets, options) => Promise.resolve(planRightsize(tickets, options)),
  describe: describeRightsize,
  apply: (ctx, plan, options) => applyRightsize(ctx, plan, options),
};
