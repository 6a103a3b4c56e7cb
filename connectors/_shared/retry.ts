import type { EventsQuery } from './define.js';
import { checkFormat } from './formats.js';

/**
 * The drop reason by which a connector's fast path hands a file to its text path (EventsQuery.text): a
 * line it may not show exactly, or a record to quarantine, whose text only the text path keeps.
 */
export const RETRY_AS_TEXT = 'lapse_retry_as_text';

/**
 * Runs a connector's events with `run` (each query wrapped by checkFormat), then, for a query with a
 * text path, the files it marked RETRY_AS_TEXT through that path, after `forget` dropped what `run` kept
 * of them. When the query fails, every file takes the text path (after the same `forget`), which fails or
 * quarantines as it always did; a text path may start with a faster path of its own, and runs the same
 * way. `run` returns the files with a RETRY_AS_TEXT row. The fast path feeds `run`'s aggregate directly:
 * staging its events in a table first costs more than reading them (DuckDB writes a table from one
 * thread at a time).
 */
export async function runEvents(
  connectorId: string,
  query: EventsQuery,
  files: string[],
  run: (query: EventsQuery) => Promise<string[]>,
  forget: (files: string[]) => Promise<unknown>,
): Promise<void> {
  let retry: string[];
  try {
    retry = await run(checkFormat(connectorId, query));
    if (retry.length && !query.text) throw new Error(`${connectorId} handed ${retry[0]} to a text path it has not`);
  } catch (err) {
    if (!query.text) throw err;
    retry = files;
  } finally {
    await query.cleanup?.();
  }
  if (!retry.length) return;
  // Whatever the fast path kept of these files (all of them when it failed part way) is dropped first.
  await forget(retry);
  // The text path may itself start with a faster path, and hand files on again.
  await runEvents(connectorId, await query.text!(retry), retry, run, forget);
}
