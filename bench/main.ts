import { benchActions } from './actions.js';
import { benchDetect } from './detect.js';
import { benchIngest } from './ingest.js';
import { benchQuality } from './quality.js';
import { benchRightsize } from './rightsize.js';
import { benchSite } from './site.js';

/** `npm run bench -- <name> [options]`: ingest, detect, quality, site, rightsize, actions. Runs every benchmark without a name. */
const BENCHES: Record<string, (args: string[]) => Promise<void>> = { ingest: benchIngest, detect: benchDetect, quality: benchQuality, site: benchSite, rightsize: benchRightsize, actions: benchActions };

const [name, ...args] = process.argv.slice(2);
const chosen = name && !name.startsWith('-') ? [name] : Object.keys(BENCHES);
for (const b of chosen) {
  const fn = BENCHES[b];
  if (!fn) throw new Error(`unknown benchmark ${b}; known: ${Object.keys(BENCHES).join(', ')}`);
  await fn(name && !name.startsWith('-') ? args : process.argv.slice(2));
}
