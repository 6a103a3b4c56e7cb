import { afterEach, expect, test } from 'vitest';
import type { Config } from '../../core/config.js';
import { appSystem, config, stageContext, tempDir } from '../../test/helpers.js';
import { loadRules } from './config.js';

/**
 * The config's numbers go to DuckDB as JSON; a value the column type cannot hold must stop the run,
 * never load as NULL (a NULL TTL falls back to the system's, a TTL nobody set).
 */
let close = () => {};
afterEach(() => close());

async function rulesOf(mutate: (cfg: Config) => void) {
  const cfg = config(await tempDir(), { directory: { path: 'people.csv' }, systems: { app: appSystem({ permissions: { db: { ttl_days: 30 } } }) } });
  mutate(cfg);
  const ctx = await stageContext(cfg);
  close = ctx.close;
  return { ctx, load: () => loadRules(ctx, '2026-06-30') };
}

test('the rules load with their values', async () => {
  const { ctx, load } = await rulesOf(() => {});
  await load();
  expect(await ctx.db.all('SELECT system, rule, position, is_glob, literals, scoped, ttl_days, on_call FROM lapse_permission_rules')).toEqual([
    { system: 'app', rule: 'db', position: 0, is_glob: false, literals: 2, scoped: false, ttl_days: 30, on_call: false },
  ]);
});

test.each([
  ['a permission TTL', (c: Config) => void (c.systems['app']!.permissions['db']!.ttl_days = 2 ** 31), /lapse_permission_rules.*ttl_days/],
  ['a system TTL', (c: Config) => void (c.systems['app']!.ttl_days = 2 ** 31), /lapse_system_rules.*ttl_days/],
  ['a source lag', (c: Config) => void (c.systems['app']!.max_source_lag_days = 2 ** 40), /lapse_system_rules.*max_lag_days/],
  ['a fractional TTL', (c: Config) => void (c.systems['app']!.ttl_days = 1.5), /lapse_system_rules.*ttl_days/],
])('%s the column cannot hold fails loudly instead of loading NULL', async (_, mutate, expected) => {
  const { load } = await rulesOf(mutate);
  await expect(load()).rejects.toThrow(expected);
});
