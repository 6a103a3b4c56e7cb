import { loadHistory } from '../aggregate/index.js';
import { EXIT, UsageError } from '../core/errors.js';
import { backtest, SUGGEST_RULES, suggestTtl, type BacktestRow, type BacktestTtl, type TtlSuggestion } from '../detect/index.js';
import { asOfDay } from './context.js';
import { withContext, type Io } from './commands.js';
import { COLUMNS, ellipsize, plural, wrap } from '../core/text.js';

/** `lapse suggest-ttl` and `lapse backtest`: replays of the stored history (docs/ttl.md). */

/** The longest TTL a backtest accepts (a century: anything longer is a typo). */
const MAX_TTL_DAYS = 36_500;

export async function suggestTtlCommand(io: Io, o: { config: string; asOf?: string; json?: boolean }): Promise<number> {
  const asOf = asOfDay(o.asOf);
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    await loadHistory(ctx, asOf);
    const rows = await suggestTtl(ctx, asOf);
    io.out(o.json ? `${JSON.stringify(rows, null, 2)}\n` : suggestionTable(asOf, rows));
    return EXIT.ok;
  });
}

export async function backtestCommand(io: Io, o: { config: string; asOf?: string; ttl: string; json?: boolean }): Promise<number> {
  const ttls = parseTtls(o.ttl);
  const asOf = asOfDay(o.asOf);
  return withContext(o.config, io, { readOnly: true }, async (ctx) => {
    await loadHistory(ctx, asOf);
    const rows = await backtest(ctx, asOf, ttls);
    io.out(o.json ? `${JSON.stringify(rows, null, 2)}\n` : backtestTable(asOf, rows));
    return EXIT.ok;
  });
}

/** `--ttl 30,60,90,configured`: positive whole days, or `configured` (each grant's TTL from the config). */
export function parseTtls(value: string | undefined): BacktestTtl[] {
  if (value === undefined || value.trim() === '') throw new UsageError('--ttl: give one or more TTLs in days, e.g. --ttl 30,60,90');
  return value.split(',').map((raw) => {
    const item = raw.trim();
    if (item === 'configured') return 'configured';
    if (!/^\d+$/.test(item) || Number(item) < 1 || Number(item) > MAX_TTL_DAYS) {
      throw new UsageError(
        `--ttl ${value}: '${item}' is not a TTL; expected whole days from 1 to ${MAX_TTL_DAYS} (or 'configured'), separated by commas`,
      );
    }
    return Number(item);
  });
}

function suggestionTable(asOf: string, rows: TtlSuggestion[]): string {
  const { margin, quantile, min_ttl_days, max_ttl_days } = SUGGEST_RULES;
  const head = [
    `lapse suggest-ttl · as of ${asOf} · ${plural(rows.length, 'group')}`,
    `suggested TTL = ceil(${margin} × p${quantile * 100} of each person's longest gap), ${min_ttl_days}–${max_ttl_days} days`,
    'users: with a repeat use / who used it; longest: that p95 gap, in days; every column: --json',
  ].join('\n');
  if (rows.length === 0) return `${head}\nno grants and no uses in the lake as of ${asOf}\n`;
  const notes = new Footnotes();
  const systems = [...new Set(rows.map((r) => r.system))];
  const sections = systems.map((system) => {
    const group = rows.filter((r) => r.system === system);
    const body = group.map((r) => [
      r.permission,
      ellipsize(r.scope === 'all' ? '(all teams)' : r.scope === 'no_team' ? '(no team)' : r.team ?? '', 12),
      `${r.repeat_users}/${r.users}`,
      r.p95_longest_gap_days ?? '–',
      r.suggested_ttl_days ?? '–',
      `${r.configured_ttl_days} ${r.configured_from === 'permission' ? 'perm' : r.configured_from}`,
      r.periodic ? `${r.period_days}d` : '',
      notes.mark(note(r)),
    ]);
    const lines = fitTable(['permission', 'team', 'users', 'longest', 'suggested', 'configured', 'period', 'note'], body, 0, 2);
    return [system, ...lines.map((l) => `  ${l}`)].join('\n');
  });
  return `${[head, ...sections, ...notes.lines()].join('\n')}\n`;
}

function note(r: TtlSuggestion): string {
  if (r.reason) return `no suggestion: ${r.reason}`;
  if (r.periodic && r.period_days !== null && r.configured_ttl_days <= r.period_days) {
    return `configured TTL is not longer than the ${r.period_days}-day period`;
  }
  return '';
}

/** Notes shown once below a table, each row carrying its note's number: long text stays out of the columns. */
class Footnotes {
  private readonly texts: string[] = [];

  mark(text: string): string {
    if (!text) return '';
    const at = this.texts.indexOf(text);
    return `[${(at < 0 ? this.texts.push(text) : at + 1)}]`;
  }

  lines(): string[] {
    return this.texts.length ? ['notes', ...this.texts.flatMap((t, i) => wrap(`  [${i + 1}] ${t}`))] : [];
  }
}

function backtestTable(asOf: string, rows: BacktestRow[]): string {
  const head = [
    `lapse backtest · as of ${asOf} · replay of the stored history`,
    'regret: a revocation followed by a use; no reuse: one never followed by a use; per grant: --json',
  ].join('\n');
  const body = rows.map((r) => [
    r.ttl === 'configured' ? 'configured' : `${r.ttl}d`,
    r.system ?? '(all)',
    r.grants,
    r.revocations,
    r.regrets,
    r.regret_rate === null ? '–' : `${(r.regret_rate * 100).toFixed(1)}%`,
    r.not_used_again,
    r.flagged_now,
    r.excluded,
  ]);
  const lines = fitTable(['ttl', 'system', 'grants', 'revocations', 'regrets', 'regret rate', 'no reuse', 'flagged now', 'excluded'], body, 1);
  return `${head}\n${lines.join('\n')}\n`;
}

/** A cell that reads as a number (12, 6.5, 58.1%, 3/4, – for none): right-aligned. */
const NUMERIC = /^(–|\d+(\.\d+)?%?|\d+\/\d+)$/;

/**
 * A compact aligned table: text left-aligned, numeric columns right-aligned, two spaces between columns.
 * Column `shrink` (names of any length) is ellipsized so that lines fit COLUMNS less `indent`.
 */
export function fitTable(headers: string[], rows: (string | number)[][], shrink: number, indent = 0): string[] {
  const cells = rows.map((r) => r.map(String));
  const width = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const others = width.reduce((a, w, i) => (i === shrink ? a : a + w), 0) + 2 * (headers.length - 1) + indent;
  width[shrink] = Math.max(headers[shrink]!.length, Math.min(width[shrink]!, COLUMNS - others));
  for (const r of cells) r[shrink] = ellipsize(r[shrink]!, width[shrink]!);
  const numeric = headers.map((_, i) => cells.length > 0 && cells.every((r) => NUMERIC.test(r[i]!)) && cells.some((r) => r[i] !== '–'));
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)];
}
