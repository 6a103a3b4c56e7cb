import { asLogged, type ActionMapper } from './_shared/actions.js';
import { iamActions } from './aws_cloudtrail/actions.js';
import { gcpPermissions } from './gcp_audit/actions.js';
import { repositoryRoles } from './github_audit/roles.js';
import { verbsOnResources } from './k8s_audit/actions.js';

/**
 * What each connector's actions are, for a system with `actions: true` (see _shared/actions.ts): AWS the
 * IAM action, Google Cloud the granted IAM permissions, Kubernetes the verb and resource
 * (`create pods/exec`), GitHub the repository role. Other connectors keep their actions as logged.
 */
const MAPPERS: ReadonlyMap<string, ActionMapper> = new Map([
  ['aws_cloudtrail', iamActions],
  ['gcp_audit', gcpPermissions],
  ['k8s_audit', verbsOnResources],
  ['github_audit', repositoryRoles],
]);

export function actionMapper(connectorId: string): ActionMapper {
  return MAPPERS.get(connectorId) ?? asLogged;
}

export type { ActionMapper, MappedAction } from './_shared/actions.js';
