import { describe, expect, test } from 'vitest';
import type { EventsQuery } from './define.js';
import { runEvents } from './retry.js';

/**
 * The hand-back protocol on its own: what runs, what is forgotten, and in which order. A query is named by
 * its sql; `run` answers from a script (the files it hands back, or an error).
 */
function harness(script: Record<string, string[] | Error>) {
  const log: string[] = [];
  const run = async (q: EventsQuery) => {
    const name = Object.keys(script).find((k) => q.sql.endsWith(` ${k}`))!;
    log.push(`run ${name}`);
    const out = script[name]!;
    if (out instanceof Error) throw out;
    return out;
  };
  const forget = async (files: string[]) => {
    log.push(`forget ${files.join(',')}`);
  };
  return { log, run, forget };
}

const query = (sql: string, text?: (files: string[]) => Promise<EventsQuery>): EventsQuery => ({ sql: `SELECT 1 AS ${sql}`, ...(text && { text }) });

describe('runEvents', () => {
  test('a fast path that hands nothing back runs once', async () => {
    const h = harness({ fast: [] });
    await runEvents('x', query('fast', async () => query('text')), ['a', 'b'], h.run, h.forget);
    expect(h.log).toEqual(['run fast']);
  });

  test('the files handed back are forgotten, then read by the text path, alone', async () => {
    const h = harness({ fast: ['b'], text: [] });
    const seen: string[][] = [];
    await runEvents('x', query('fast', async (files) => (seen.push(files), query('text'))), ['a', 'b'], h.run, h.forget);
    expect(h.log).toEqual(['run fast', 'forget b', 'run text']);
    expect(seen).toEqual([['b']]);
  });

  test('a fast path that fails hands every file over, forgetting whatever it may have kept', async () => {
    const h = harness({ fast: new Error('not JSON'), text: [] });
    await runEvents('x', query('fast', async () => query('text')), ['a', 'b'], h.run, h.forget);
    expect(h.log).toEqual(['run fast', 'forget a,b', 'run text']);
  });

  test('a text path may start with a fast path of its own, which hands back in turn', async () => {
    const h = harness({ fast: new Error('pretty-printed'), probed: ['b'], text: [] });
    const probed = async () => query('probed', async () => query('text'));
    await runEvents('x', query('fast', probed), ['a', 'b'], h.run, h.forget);
    expect(h.log).toEqual(['run fast', 'forget a,b', 'run probed', 'forget b', 'run text']);
  });

  test('without a text path, a failure is the error, and handing back is a bug', async () => {
    await expect(runEvents('x', query('text'), ['a'], harness({ text: new Error('corrupt gzip') }).run, async () => {})).rejects.toThrow('corrupt gzip');
    await expect(runEvents('x', query('text'), ['a'], harness({ text: ['a'] }).run, async () => {})).rejects.toThrow(/handed a to a text path it has not/);
  });
});
