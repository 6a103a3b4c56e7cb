import { writeFileSync } from 'node:fs';
import { configReference } from './config-reference.js';
import { writeRelationsTable } from './relations-reference.js';
import { writeRulesTable } from './rules-reference.js';

/** `npm run docs`: regenerates docs/config.md, the README's rules table and docs/architecture.md's relations. */
writeFileSync('docs/config.md', configReference());
writeRulesTable();
writeRelationsTable();
