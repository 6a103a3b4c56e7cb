/**
 * actions: read the findings document; write revocation lists, ticket previews (and Jira tickets).
 * Each action is a plugin: `plan` (no side effects) then `apply`, decided by the runner.
 */
import type { Action } from './_shared/define.js';

export type { Action, ActionContext, ActionReport } from './_shared/define.js';

/** Every action, in one explicit list. */
const ALL: Action[] = [];

export const actions: ReadonlyMap<string, Action> = registry(ALL);

function registry(list: Action[]): Map<string, Action> {
  const map = new Map<string, Action>();
  for (const a of list) {
    if (map.has(a.id)) throw new Error(`duplicate action id: ${a.id}`);
    map.set(a.id, a);
  }
  return map;
}
