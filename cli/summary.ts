import type { ActionOutcome } from '../actions/index.js';
import type { CompactReport } from '../aggregate/index.js';
import type { IngestReport } from '../ingest/index.js';
import { headline } from '../core/counts.js';
import { isActionable } from '../core/findings.js';
import { FindingKind, type FindingCount } from '../core/model.js';
import type { Detection } from '../detect/index.js';
import { plural } from '../core/text.js';

/** The short human summary on stdout: counts per stage, findings per system and kind, guards held. */

const n = (x: number) => x.toLocaleString('en-US');
const pad = (s: string, w: number) => s.padEnd(w);

function reasons(counts: Record<string, number>): string {
  const parts = Object.entries(counts).sort(([, a], [, b]) => b - a).map(([r, c]) => `${r} ${n(c)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function ingestSummary(r: IngestReport): string[] {
  const lines = ['ingest'];
  for (const l of r.logs) {
    lines.push(
      `  ${pad(l.system, 11)}${plural(l.files, 'file')} (${n(l.already_ingested)} already in the lake): ${plural(l.records, 'record')} → ` +
        `${plural(l.uses, 'use')}; skipped ${n(sum(l.skipped))}${reasons(l.skipped)}; quarantined ${n(sum(l.quarantined))}${reasons(l.quarantined)}`,
    );
    for (const f of l.failed) lines.push(`  ${pad(l.system, 11)}source failed (what it fetched is kept; the next run resumes): ${f}`);
  }
  for (const s of r.snapshots) {
    const q = sum(s.quarantined);
    if (s.failed) lines.push(`  ${pad(s.name, 18)}not refreshed (the previous snapshot stays): ${s.failed}`);
    else lines.push(`  ${pad(s.name, 18)}${plural(s.rows, 'row')}${q ? `; quarantined ${q}${reasons(s.quarantined)}` : ''}`);
  }
  return lines;
}

export function compactSummary(r: CompactReport): string[] {
  return [`aggregate   ${plural(r.files_after, 'lake file')} (${plural(r.partitions, 'partition')} compacted from ${n(r.files_before)})`];
}

const KINDS = FindingKind.options;
const KIND_LABEL: Record<(typeof KINDS)[number], string> = {
  stale: 'stale', never_used: 'never_used', terminated: 'terminated', cold_start_anomaly: 'anomaly', team_move: 'team_move',
};

export function detectSummary(d: Detection): string[] {
  const sum = (pick: (c: FindingCount) => boolean, system?: string) =>
    d.counts.filter((c) => (system === undefined || c.system === system) && pick(c)).reduce((a, c) => a + c.n, 0);
  const grants = d.sources.reduce((a, s) => a + s.grants, 0);
  // The headline numbers as core/counts.ts defines them: the report's tiles say the same.
  const h = headline(d.counts, d.guards);
  const lines = [
    `detect      ${plural(grants, 'grant')} judged as of ${d.as_of}: ${n(h.flagged)} flagged, ${n(h.revocable)} revocable, ${n(h.held)} held (run ${d.run_id})`,
  ];
  lines.push(`  ${pad('system', 11)}${KINDS.map((k) => pad(KIND_LABEL[k], 12)).join('')}${pad('excluded', 10)}resolved`);
  for (const s of d.sources) {
    const kinds = KINDS.map((k) => pad(String(sum((c) => isActionable(c) && c.kind === k, s.system)), 12)).join('');
    const excluded = sum((c) => c.status !== 'resolved' && !isActionable(c), s.system);
    const resolved = sum((c) => c.status === 'resolved', s.system);
    lines.push(`  ${pad(s.system, 11)}${kinds}${pad(String(excluded), 10)}${resolved}`);
  }
  const byRule = new Map<string, number>();
  for (const c of d.counts) if (c.excluded_by && c.status !== 'resolved') byRule.set(c.excluded_by, (byRule.get(c.excluded_by) ?? 0) + c.n);
  if (byRule.size) lines.push(`  excluded by: ${[...byRule].map(([r, c]) => `${r} ${c}`).join(', ')}`);
  const unresolved = d.sources.filter((s) => s.unresolved_count > 0);
  if (unresolved.length) {
    lines.push(
      `  unresolved principals (no directory match): ${unresolved
        .map((s) => `${s.system} ${s.unresolved_count} (${s.unresolved_principals.slice(0, 5).join(', ')}${s.unresolved_count > 5 ? ', …' : ''})`)
        .join('; ')}`,
    );
  }
  const regret = d.sources.filter((s) => s.revoked > 0);
  if (regret.length) {
    lines.push(
      `  put on revocation lists so far (restore requested after): ${regret.map((s) => `${s.system} ${s.revoked} (${s.restored_after_revocation})`).join(', ')}`,
    );
  }
  lines.push(d.guards.length ? 'guards      held:' : 'guards      none held');
  for (const g of d.guards) lines.push(`  ${pad(g.system, 11)}${g.guard}: ${g.detail} [${g.held} held]`);
  return lines;
}

export function actionsSummary(outcomes: ActionOutcome[]): string[] {
  const lines = ['actions'];
  if (outcomes.length === 0) lines.push('  none configured');
  for (const o of outcomes) {
    const state = o.state === 'applied' ? '' : ` [${o.state === 'failed' ? `FAILED: ${o.error}` : `not applied: ${o.state}`}]`;
    lines.push(`  ${o.type}${state}`);
    for (const l of o.lines) lines.push(`    ${l}`);
  }
  return lines;
}
