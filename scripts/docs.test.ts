import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { configReference } from './config-reference.js';

test('docs/config.md matches the config schema (run `npm run docs` after changing it)', () => {
  expect(readFileSync(new URL('../docs/config.md', import.meta.url), 'utf8')).toBe(configReference());
});
