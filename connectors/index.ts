import type { Connector } from './_shared/define.js';
import { awsCloudtrail } from './aws_cloudtrail/connector.js';
import { azureActivity } from './azure_activity/connector.js';
import { csv } from './csv/connector.js';
import { entraSignin } from './entra_signin/connector.js';
import { gcpAudit } from './gcp_audit/connector.js';
import { githubAudit } from './github_audit/connector.js';
import { googleWorkspace } from './google_workspace/connector.js';
import { jsonl } from './jsonl/connector.js';
import { k8sAudit } from './k8s_audit/connector.js';
import { oktaSystemLog } from './okta_system_log/connector.js';

/** Connectors turn one system's logs into permission-use events; see `_shared/define.ts` for the contract. */
export type { Connector, EventsQuery } from './_shared/define.js';
export { EVENT_COLUMNS } from './_shared/define.js';
export { SETUP_SQL } from './_shared/sql.js';
/** The generic JSONL/CSV record reader, which grants and directory snapshots share with the connectors. */
export { formatOf, stageRecords } from './_shared/records.js';

/** Every connector, in one explicit list. Adding a system = adding a folder and a line here. */
const ALL = [awsCloudtrail, oktaSystemLog, githubAudit, gcpAudit, k8sAudit, entraSignin, googleWorkspace, azureActivity, jsonl, csv] as unknown as Connector[];

export const connectors: ReadonlyMap<string, Connector> = registry(ALL);

function registry(list: Connector[]): Map<string, Connector> {
  const map = new Map<string, Connector>();
  for (const c of list) {
    if (map.has(c.id)) throw new Error(`duplicate connector id: ${c.id}`);
    map.set(c.id, c);
  }
  return map;
}

export function connectorById(id: string): Connector {
  const c = connectors.get(id);
  if (!c) throw new Error(`unknown connector "${id}"; valid: ${[...connectors.keys()].join(', ')}`);
  return c;
}
