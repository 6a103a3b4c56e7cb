/**
 * revoker: reads one system's revocation lists and restore requests (manifest.json, the list, latest.json) from
 * `revocations.target` (through lists/); runs the operator's command once per entry and writes ack.jsonl beside each list.
 */
export { runRevoker, type ListReport, type RevokerOptions, type RevokerReport } from './worker.js';
export { splitCommand, EXIT_ALREADY } from './exec.js';
