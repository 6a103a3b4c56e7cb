import type { Db } from '../core/db.js';

/**
 * Test worlds for rightsize: the two relations it reads, as aggregate hands them over (lapse_grants, and
 * lapse_action_uses of the window), made from plain rows.
 */

export interface GrantRow {
  system: string;
  principal: string;
  permission: string;
  via?: string | null;
  granted_at?: string | null;
  first_seen?: string;
  label?: string | null;
}

export interface UseRow {
  system: string;
  principal: string;
  permission: string;
  action: string;
  iam?: boolean;
  uses?: number;
  days?: number;
  first_seen?: string;
  last_seen?: string;
}

export async function loadWorld(db: Db, grants: GrantRow[], uses: UseRow[], snapshot = '2026-06-30'): Promise<void> {
  await db.tableFromRows('lapse_grants', {
    system: 'VARCHAR', principal: 'VARCHAR', permission: 'VARCHAR', granted_at: 'DATE', via: 'VARCHAR', first_seen: 'DATE', snapshot: 'DATE', label: 'VARCHAR',
  }, grants.map((g) => ({ via: 'direct', granted_at: null, first_seen: '2025-01-01', label: null, snapshot, ...g })));
  await db.tableFromRows('lapse_action_uses', {
    system: 'VARCHAR', principal: 'VARCHAR', permission: 'VARCHAR', action: 'VARCHAR', iam: 'BOOLEAN', uses: 'BIGINT', days: 'INTEGER', first_seen: 'TIMESTAMPTZ', last_seen: 'TIMESTAMPTZ',
  }, uses.map((u) => ({ iam: true, uses: 1, days: 1, first_seen: '2026-05-01T10:00:00Z', last_seen: '2026-06-01T10:00:00Z', ...u })));
}
