/**
 * lists: the revocation-list protocol, the contract between lapse and the revoker workers (README,
 * Outputs; docs/revoker.md). Where the files go (layout.ts), what each holds (schemas.ts), writing a
 * list or a restore request (write.ts), finding, verifying and acknowledging lists (read.ts), and the
 * target the config names (target.ts). Imports only core/; the revocation_list action, `lapse restore`,
 * `lapse revoker` and the report use it.
 */
export * from './layout.js';
export * from './schemas.js';
export * from './write.js';
export * from './read.js';
export { openLists } from './target.js';
