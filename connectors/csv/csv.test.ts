import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectorKit } from '../_shared/testkit.js';
import { csv } from './connector.js';

const kit = connectorKit(csv, 'db', { mapping: { time: 'when', principal: 'who', permission: 'role' } });

describe('csv record numbers', () => {
  test('are data rows, before and after malformed rows, with quoted line breaks', async () => {
    const file = join(kit.dir, 'rows.csv');
    await writeFile(
      file,
      [
        'when,who,role',
        '2026-03-02T08:00:00Z,bad,db/read,extra', // row 1: rejected
        '2026-03-02T08:15:00Z,"multi',
        'line",db/read', // row 2: one row over two lines
        '2026-03-02T09:00:00Z,bob,db/write,extra', // row 3: rejected
        '2026-03-02T09:10:00Z,x,db/write,extra', // row 4: rejected
        '2026-03-02T09:30:00Z,carol,db/read', // row 5
        ',dave,db/read', // row 6: no time
        '',
      ].join('\n'),
    );
    const rows = await kit.parse([file]);
    expect(rows.map((r) => [r.record, r.drop_reason?.split(':')[0] ?? r.principal])).toEqual([
      [1, 'malformed_csv'],
      [2, 'multi\nline'],
      [3, 'malformed_csv'],
      [4, 'malformed_csv'],
      [5, 'carol'],
      [6, 'missing_time'],
    ]);
  });
});
