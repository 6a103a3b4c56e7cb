import { describe, expect, test } from 'vitest';
import { bounded, MAX_BATCH_BYTES, MAX_BATCH_FILES } from './source.js';

const sizes = (batches: number[][]) => batches.map((b) => b.length);

describe('bounded: the one batching every log source uses', () => {
  test('cuts at the file bound, keeping order', () => {
    const items = Array.from({ length: MAX_BATCH_FILES * 2 + 1 }, (_, i) => i);
    const batches = [...bounded(items, () => ({ files: 1, bytes: 1 }))];
    expect(sizes(batches)).toEqual([MAX_BATCH_FILES, MAX_BATCH_FILES, 1]);
    expect(batches.flat()).toEqual(items);
  });

  test('cuts at the byte bound; an item larger than the bound is a batch of its own', () => {
    const half = MAX_BATCH_BYTES / 2;
    const batches = [...bounded([half, half, 1, MAX_BATCH_BYTES * 3, 1], (bytes) => ({ files: 1, bytes }))];
    expect(batches).toEqual([[half, half], [1], [MAX_BATCH_BYTES * 3], [1]]);
  });

  test('an item that brings several files (an SQS message) stays whole', () => {
    const batches = [...bounded([MAX_BATCH_FILES - 1, 2, 3], (files) => ({ files, bytes: 0 }))];
    expect(batches).toEqual([[MAX_BATCH_FILES - 1], [2, 3]]);
  });
});
