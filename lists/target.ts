import { resolvePath, type Config } from '../core/config.js';
import { openStore, type Lake } from '../core/store.js';

/**
 * The lists' target, `revocations.target` in the config: where the revocation_list action writes lists,
 * `lapse restore` writes restore requests and `lapse revoker` reads both. Undefined when the config has
 * no `revocations:` key. S3 objects get `revocations.sse`, else `aws.sse`.
 */
export function openLists(config: Config): Lake | undefined {
  const r = config.revocations;
  return r && openStore(resolvePath(config, r.target), { aws: config.aws, sse: r.sse });
}
