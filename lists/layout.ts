/**
 * Where the revocation-list protocol keeps its files under the target (`revocations.target`):
 *
 *     <system>/<as-of day>/<run id>/revocations.jsonl | held.jsonl | restores.jsonl
 *     <system>/<as-of day>/<run id>/manifest.json     count and sha256 of the file, written after it
 *     <system>/<as-of day>/<run id>/ack.jsonl         written by the system's revoker
 *     <system>/latest.json                           the newest revocation list, written last
 *
 * A restore request is a list of kind `restores` whose run id is the restore id.
 */

export type ListKind = 'revocations' | 'restores';

/** A held list's entries go here, for review only: a revoker never applies a held list. */
export const HELD_FILE = 'held.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const ACK_FILE = 'ack.jsonl';

/** The folder of one list: `<system>/<as-of>/<run id>/`. */
export const listDir = (l: { system: string; as_of: string; run_id: string }): string => `${l.system}/${l.as_of}/${l.run_id}/`;

/** The file a list's entries go to. */
export const listFile = (kind: ListKind, held: boolean): string => (held ? HELD_FILE : `${kind}.jsonl`);

export const latestKey = (system: string): string => `${system}/latest.json`;

/** A manifest's key, with its system, as-of day and run id. */
export const MANIFEST_KEY = /^([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/manifest\.json$/;
