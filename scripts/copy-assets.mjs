// Copies the .sql files that stages load at run time next to their compiled modules in dist/.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['core', 'cli', 'connectors', 'ingest', 'aggregate', 'detect', 'actions', 'report', 'rightsize'];
for (const root of roots) {
  for (const file of readdirSync(root, { recursive: true })) {
    if (!String(file).endsWith('.sql')) continue;
    const from = join(root, String(file));
    const to = join('dist', from);
    cpSync(from, to);
  }
}
