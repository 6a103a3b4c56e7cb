import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../test/helpers.js';
import { sha256File } from './hash.js';

test.each([0, 1, 256 * 1024, 256 * 1024 + 1, 2 ** 20, 3 * 2 ** 20 + 17])('sha256File of %i bytes is the sha256 of its content', async (size) => {
  const content = randomBytes(size);
  const path = join(await tempDir('lapse-hash-'), 'f.bin');
  await writeFile(path, content);
  const expected = createHash('sha256').update(content).digest('hex');
  expect(await sha256File(path)).toBe(expected);
  expect(await sha256File(path, size)).toBe(expected);
});
