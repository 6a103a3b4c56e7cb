import { expect, test } from 'vitest';
import { progressBar } from './progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, writes };
}

test('draws a bar in place on a terminal, ending the line when done', () => {
  const { stream, writes } = fakeStream(true);
  const draw = progressBar(stream)!;
  draw({ stage: 'ingest', label: 'aws', done: 0, total: 4, unit: 'files' });
  draw({ stage: 'ingest', label: 'aws', done: 4, total: 4, unit: 'files' });
  expect(writes[0]).toMatch(/^\ringest aws ░{30} 0\/4 files/);
  expect(writes[1]).toMatch(/^\ringest aws █{30} 4\/4 files/);
  expect(writes.at(-1)).toBe('\n');
});

test('is silent when not a terminal', () => {
  expect(progressBar(fakeStream(false).stream)).toBeUndefined();
});
