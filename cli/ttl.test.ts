import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { addDays } from '../core/days.js';
import { UsageError } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { BacktestRow } from '../detect/backtest.js';
import { TtlSuggestion } from '../detect/suggest.js';
import { appConfig, jsonl, tempDir, writeFiles } from '../test/helpers.js';
import { ingestCommand, type Io } from './commands.js';
import { backtestCommand, parseTtls, suggestTtlCommand } from './ttl.js';

const AS_OF = '2026-06-30';

/** The commands as `lapse suggest-ttl` / `lapse backtest` run them, with stdout captured. */
function capture(): Io & { text: () => string } {
  const chunks: string[] = [];
  return { out: (t) => chunks.push(t), log: silentLogger(), text: () => chunks.join('') };
}

let configPath: string;
beforeAll(async () => {
  const dir = await tempDir('lapse-ttl-cli-');
  const events: object[] = [];
  // Three people use `db` every third day (gap 3), ann also `report` on two days 100 days apart.
  for (let d = '2026-01-01', i = 0; d <= AS_OF; d = addDays(d, 1), i++) {
    if (i % 3 === 0) for (const p of ['ann', 'ben', 'cal']) events.push({ ts: `${d}T10:00:00Z`, user: `${p}@corp.example`, perm: 'db', result: 'ok' });
  }
  events.push(...['2026-02-01', '2026-05-12'].map((d) => ({ ts: `${d}T10:00:00Z`, user: 'ann@corp.example', perm: 'report', result: 'ok' })));
  await writeFiles(dir, {
    'logs/app.jsonl': jsonl(events),
    'grants.jsonl': jsonl([
      ...['ann', 'ben', 'cal'].map((p) => ({ principal: `${p}@corp.example`, permission: 'db' })),
      { principal: 'ann@corp.example', permission: 'report' },
    ]),
    'people.csv': 'id,email,team,manager,status\nann,ann@corp.example,eng,,active\nben,ben@corp.example,eng,ann,active\ncal,cal@corp.example,eng,ann,active\n',
    'lapse.yaml': appConfig(),
  });
  configPath = join(dir, 'lapse.yaml');
  expect(await ingestCommand(capture(), { config: configPath, asOf: AS_OF })).toBe(0);
});

describe('lapse suggest-ttl', () => {
  test('prints an aligned table, or the rows with --json', async () => {
    const io = capture();
    expect(await suggestTtlCommand(io, { config: configPath, asOf: AS_OF })).toBe(0);
    const lines = io.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^lapse suggest-ttl · as of 2026-06-30 · 4 groups/);
    // Three lines of legend, then a section per system whose table fits 100 columns; long notes go below it.
    expect(lines[3]).toBe('app');
    expect(lines[4]).toMatch(/^ {2}permission\s+team\s+users\s+longest\s+suggested\s+configured\s+period\s+note$/);
    // Columns line up: every row starts its team column where the header does.
    const teamAt = lines[4]!.indexOf('team');
    expect(lines.slice(5, 9).map((l) => l.slice(teamAt).split(/\s{2,}/)[0])).toEqual(['(all teams)', 'eng', '(all teams)', 'eng']);
    expect(lines[5]).toMatch(/^ {2}db\s+\(all teams\)\s+3\/3\s+3\s+14\s+90 default$/);
    expect(lines[7]).toMatch(/ \[1\]$/);
    expect(lines.slice(9)).toEqual(['notes', '  [1] no suggestion: only 1 with 2+ active days (need 3)']);
    expect(lines.every((l) => l.length <= 100)).toBe(true);

    const json = capture();
    await suggestTtlCommand(json, { config: configPath, asOf: AS_OF, json: true });
    const rows = TtlSuggestion.array().parse(JSON.parse(json.text()));
    expect(rows.map((r) => [r.permission, r.scope, r.suggested_ttl_days])).toEqual([
      ['db', 'all', 14], ['db', 'team', 14], ['report', 'all', null], ['report', 'team', null],
    ]);
  });
});

describe('lapse backtest', () => {
  test('prints one line per TTL and system, or the rows with --json', async () => {
    const io = capture();
    expect(await backtestCommand(io, { config: configPath, asOf: AS_OF, ttl: '30, 99,configured' })).toBe(0);
    const lines = io.text().trimEnd().split('\n');
    expect(lines[2]).toMatch(/^ttl\s+system\s+grants\s+revocations\s+regrets\s+regret rate\s+no reuse\s+flagged now\s+excluded$/);
    // ann's report: its 100-day gap is a regret under 30, 99 and the configured 90; the 49 days since
    // her last use are a revocation only under 30.
    expect(lines.slice(3).map((l) => l.split(/\s+/).slice(0, 6).join(' '))).toEqual([
      '30d app 4 2 1 50.0%', '30d (all) 4 2 1 50.0%',
      '99d app 4 1 1 100.0%', '99d (all) 4 1 1 100.0%',
      'configured app 4 1 1 100.0%', 'configured (all) 4 1 1 100.0%',
    ]);
    const json = capture();
    await backtestCommand(json, { config: configPath, asOf: AS_OF, ttl: '100', json: true });
    expect(BacktestRow.array().parse(JSON.parse(json.text()))).toEqual([
      expect.objectContaining({ ttl: 100, system: 'app', revocations: 0, regrets: 0, regret_rate: null }),
      expect.objectContaining({ ttl: 100, system: null, revocations: 0 }),
    ]);
  });

  test.each([
    { ttl: '', message: /--ttl: give one or more TTLs/ },
    { ttl: '30,abc', message: /--ttl 30,abc: 'abc' is not a TTL/ },
    { ttl: '0', message: /'0' is not a TTL/ },
    { ttl: '30,,60', message: /'' is not a TTL/ },
    { ttl: '-5', message: /'-5' is not a TTL/ },
    { ttl: '1.5', message: /'1.5' is not a TTL/ },
    { ttl: '99999', message: /'99999' is not a TTL; expected whole days from 1 to 36500/ },
  ])('--ttl "$ttl" is refused before anything runs', async ({ ttl, message }) => {
    expect(() => parseTtls(ttl)).toThrow(message);
    await expect(backtestCommand(capture(), { config: '/nonexistent.yaml', ttl })).rejects.toThrow(UsageError);
  });
});
