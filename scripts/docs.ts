import { writeFileSync } from 'node:fs';
import { configReference } from './config-reference.js';

/** `npm run docs`: regenerates docs/config.md. */
writeFileSync('docs/config.md', configReference());
