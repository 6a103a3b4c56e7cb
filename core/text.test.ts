import { expect, test } from 'vitest';
import { ellipsize, forTerminal, plural, wrap } from './text.js';

test('plural says 1 day, 2 days, 1,204 grants', () => {
  expect([plural(1, 'day'), plural(2, 'day'), plural(0, 'grant'), plural(1204, 'grant'), plural(1, 'entry', 'entries'), plural(3, 'entry', 'entries')])
    .toEqual(['1 day', '2 days', '0 grants', '1,204 grants', '1 entry', '3 entries']);
});

test('ellipsize keeps both ends, more of the end', () => {
  expect(ellipsize('123456789012/BillingQuarterlyClose', 20)).toBe('123456…uarterlyClose');
  expect(ellipsize('short', 20)).toBe('short');
});

test('wrap breaks prose at spaces within the width, continuation indented, a long word kept whole', () => {
  const line = `    OK — in use: ${'word '.repeat(40).trim()}`;
  const lines = wrap(line, 60);
  expect(lines.every((l) => l.length <= 60)).toBe(true);
  expect(lines.slice(1).every((l) => l.startsWith('      w'))).toBe(true);
  expect(lines.join(' ').replace(/\s+/g, ' ')).toBe(line.replace(/\s+/g, ' '));
  expect(wrap(`  see ${'x'.repeat(80)} now`, 50)).toEqual(['  see', `    ${'x'.repeat(80)}`, '    now']);
  expect(wrap('short line', 50)).toEqual(['short line']);
});

test('forTerminal wraps only for a terminal: piped output keeps one line per item', () => {
  const lines = [`  okta  ${'word '.repeat(30).trim()}`];
  expect(forTerminal(lines, { isTTY: true }).length).toBeGreaterThan(1);
  expect(forTerminal(lines, { isTTY: false })).toEqual(lines);
});
