import { sqlFile } from '../../core/db.js';
import type { Db } from '../../core/db.js';
import type { GrantsQuery } from '../_shared/define.js';
import { layoutOf, scanSql } from './scan.js';

const GRANTS_SQL = sqlFile(import.meta.url, 'grants.sql');

/** The grants query over IAM Identity Center account assignments exported by export-assignments.sh. */
export async function identityCenterGrants(db: Db, files: string[]): Promise<GrantsQuery> {
  const src = await scanSql(db, await layoutOf(db, files));
  return { sql: `WITH aws_cloudtrail_src AS (${src.sql}) SELECT * FROM (${GRANTS_SQL}\n)`, params: src.params };
}
