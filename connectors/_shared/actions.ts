/**
 * What an action is, for a system with `actions: true`: the action a connector's events name (the
 * `action` column, as the log names it) mapped to the name the system's own authorisation model grants.
 * Ingest maps each batch's distinct actions once (ingest/actions.sql joins the result), never each event.
 */

/** One action as logged and one name it maps to; an action as logged may map to several (a GCP record's permissions). */
export interface MappedAction {
  raw: string;
  action: string;
  /**
   * true: `action` is a name the system grants (an IAM action, a GCP permission, a Kubernetes verb and
   * resource, a GitHub repository role). false: kept as the log names it (AWS `signin:ConsoleLogin`), so a
   * recommendation never takes it away.
   */
  iam: boolean;
}

/** Maps a batch's distinct actions as logged; an action it cannot name is kept as logged with iam false. */
export type ActionMapper = (raw: readonly string[]) => Promise<MappedAction[]> | MappedAction[];

/** Actions of a system without an authorisation model lapse knows (generic connectors): kept as logged. */
export const asLogged: ActionMapper = (raw) => raw.map((r) => ({ raw: r, action: r, iam: false }));
