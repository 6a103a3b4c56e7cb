import type { ActionMapper } from '../_shared/actions.js';

/**
 * events.sql's action is what RBAC grants: the verb and the resource (with its subresource), `get pods`,
 * `create pods/exec`; the namespace is in the permission (`<cluster>/<namespace>`). A record without a
 * verb names no rule: kept as logged, iam false.
 */
export const verbsOnResources: ActionMapper = (raw) => raw.map((r) => ({ raw: r, action: r, iam: /^\S+ \S+$/.test(r) }));
