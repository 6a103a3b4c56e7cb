import { readFileSync, writeFileSync } from 'node:fs';
import { RELATIONS, columns } from '../core/relations.js';
import { withBlock } from './blocks.js';

/**
 * Generates docs/architecture.md's table of hand-off relations from the registry, core/relations.ts.
 * `npm run docs` rewrites it; scripts/relations-reference.test.ts checks it is current.
 */
const FILE = 'docs/architecture.md';

export function relationsTable(): string {
  const rows = RELATIONS.map((r) => {
    const cols = columns(r).map(([n, t]) => `${n} ${t.replace(/\|/g, '\\|')}`).join(', ');
    const reads = r.reads.length ? r.reads.map((x) => `\`${x}\``).join(', ') : 'the system’s own export';
    return `| ${r.stage} | \`${r.name}\` | ${reads} | ${r.doc} | <sub>${cols}</sub> |`;
  });
  return ['| made by | relation | reads | what it holds | columns |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const withRelationsTable = (text: string): string => withBlock(text, 'relations', relationsTable(), FILE);

export function writeRelationsTable(path = FILE): void {
  writeFileSync(path, withRelationsTable(readFileSync(path, 'utf8')));
}
