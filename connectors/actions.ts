import { asLogged, type ActionMapper } from './_shared/actions.js';
import { iamActions } from './aws_cloudtrail/actions.js';
import { gcpPermissions } from './gcp_audit/actions.js';
import { repositoryRoles } from './github_audit/roles.js';
import { verbsOnResources } from './k8s_audit/actions.js';

/**
 * What each connector's actions are, for a system with `actions: true` (see _shared/actions.ts): AWS the
 * IAM action, Google Cloud the granted IAM permissions, Kubernetes the verb and resource
 * (`create pods/exec`), GitHub the repository role; the generic connectors keep the action their mapping
 * names as logged. A connector not listed here cannot keep action summaries: the config refuses
 * `actions: true` on its systems (cli/config.ts).
 */
const MAPPERS: ReadonlyMap<string, ActionMapper> = new Map([
  ['aws_cloudtrail', iamActions],
  ['gcp_audit', gcpPermissions],
  ['k8s_audit', verbsOnResources],
  ['github_audit', repositoryRoles],
  ['jsonl', asLogged],
  ['csv', asLogged],
]);

export function actionMapper(connectorId: string): ActionMapper {
  const mapper = MAPPERS.get(connectorId);
  if (!mapper) throw new Error(`connector ${connectorId} has no action mapper (connectors/actions.ts); the config check refuses actions: true on it`);
  return mapper;
}

/** The connectors whose systems may set `actions: true`. */
export const actionConnectors = (): string[] => [...MAPPERS.keys()];

export type { ActionMapper, MappedAction } from './_shared/actions.js';
