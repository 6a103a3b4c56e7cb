import type { ActionMapper, MappedAction } from '../_shared/actions.js';

/**
 * events.sql's action, `<methodName> (<permission>, <permission>)`, → one action per IAM permission the
 * record says was granted (`storage.objects.get`), iam true. A record that names no granted permission
 * (its action is the methodName alone) is kept as logged, iam false.
 */
const WITH_PERMISSIONS = /^(?:.* )?\(([^()]+)\)$/;

export const gcpPermissions: ActionMapper = (raw) => raw.flatMap(permissionsOf);

function permissionsOf(raw: string): MappedAction[] {
  const listed = WITH_PERMISSIONS.exec(raw)?.[1];
  if (!listed) return [{ raw, action: raw, iam: false }];
  return listed.split(', ').map((action) => ({ raw, action, iam: true }));
}
