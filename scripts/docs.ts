import { writeFileSync } from 'node:fs';
import { configReference } from './config-reference.js';
import { writeRulesTable } from './rules-reference.js';

/** `npm run docs`: regenerates docs/config.md and the README's rules table. */
writeFileSync('docs/config.md', configReference());
writeRulesTable();
