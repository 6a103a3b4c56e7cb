import { spawnSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { lapse, tempDir } from './helpers.js';

/**
 * The human output on the demo, as a person at a terminal sees it (run under script(1) for a TTY): at
 * most 100 columns, no JSON log lines between, counts in the right number.
 */

const DEMO = new URL('../fixtures/demo/', import.meta.url).pathname;
const BIN = new URL('../bin/lapse.js', import.meta.url).pathname;
const ON = ['--config', 'fixtures/demo/lapse.yaml', '--as-of', '2026-06-30'];
const script = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
let root: string;

/** What a terminal shows for `lapse ARGS` (stdout and stderr), line by line, without the progress bar's redraws. */
function onTerminal(args: string[], level = ''): string[] {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: root, env: { ...process.env, LAPSE_LOG_LEVEL: level }, encoding: 'utf8' });
  return r.stdout.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split(/\r?\n|\r/).filter((l) => l !== '');
}

const tooWide = (lines: string[]) => lines.filter((l) => [...l].length > 100);

describe.skipIf(!script)('human output on the demo, at a terminal (needs script(1))', () => {
  beforeAll(async () => {
    root = await tempDir('lapse-columns-');
    await cp(DEMO, join(root, 'fixtures/demo'), { recursive: true });
  });

  test('the run summary, suggest-ttl, backtest and explain fit 100 columns, with no info log lines between', () => {
    const outputs = {
      run: onTerminal(['run', ...ON]),
      'suggest-ttl': onTerminal(['suggest-ttl', ...ON]),
      backtest: onTerminal(['backtest', ...ON, '--ttl', '30,60,90,configured']),
      ...Object.fromEntries(
        ['bella.rodriguez@corp.example', 'olivia.grant@corp.example', 'tom.fischer@corp.example'].map((who) => [`explain ${who}`, onTerminal(['explain', who, ...ON])]),
      ),
    };
    expect(outputs.run.at(-1)).toMatch(/^exit 3: a safety guard held something back/);
    for (const [what, lines] of Object.entries(outputs)) {
      expect(lines.length, what).toBeGreaterThan(3);
      expect(tooWide(lines), what).toEqual([]);
      expect(lines.filter((l) => l.includes('"level":30')), what).toEqual([]);
    }
  });

  test('LAPSE_LOG_LEVEL still brings the info lines to a terminal', () => {
    expect(onTerminal(['detect', ...ON], 'info').join('\n')).toMatch(/"level":30,.*"msg":"detect done"/);
  });

  test('counts agree with their nouns: no "1 days", "1 grants", "file(s)"', () => {
    const outputs = [onTerminal(['run', ...ON]), onTerminal(['explain', 'alice.wong@corp.example', ...ON]), onTerminal(['doctor', '--config', 'fixtures/demo/lapse.yaml'])].map((l) => l.join('\n'));
    for (const out of outputs) {
      expect(out).not.toMatch(/(?<![\d.,])1 (days|grants|files|rows|records|uses|tickets|revocations|groups|problems|warnings)\b/);
      expect(out).not.toMatch(/\w\(s\)/);
    }
    expect(outputs[1]).toMatch(/, 1 day ago;/); // alice used a grant on 2026-06-29
  });
});

test('piped, a long summary line stays one line (for logs and grep)', async () => {
  const dir = await tempDir('lapse-columns-');
  await cp(DEMO, join(dir, 'fixtures/demo'), { recursive: true });
  const r = lapse(['run', ...ON], dir);
  expect(r.out).toMatch(/\n {2}warehouse {2}blast_radius: would revoke 13 of 35 grants .*\[13 held\]\n/);
});
