import { NetworkError, RateLimitError, ServerError, ApiError } from 'jira.js';
import { describe, expect, test } from 'vitest';
import { jqlString, labelsQuery } from './jql.js';
import { backoffMs, classify } from './retry.js';
import { parseJql } from './testing/jql-parser.js';

describe('JQL values are escaped, never pasted', () => {
  test.each([
    ['lapse-0123456789abcdef', '"lapse-0123456789abcdef"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['") OR project = "OTHER', '"\\") OR project = \\"OTHER"'],
  ])('%s → %s', (value, quoted) => {
    expect(jqlString(value)).toBe(quoted);
  });

  test('a hostile value stays one value when parsed back (the stub parses JQL like Jira)', () => {
    const evil = 'x") OR labels in ("y';
    const q = parseJql(labelsQuery('SEC', ['lapse-a', evil]));
    expect(q.clauses).toEqual([
      { field: 'project', values: ['SEC'] },
      { field: 'labels', values: ['lapse-a', evil] },
    ]);
    expect(() => parseJql('project = "SEC" OR labels = x')).toThrow();
  });

  test('control characters are refused', () => {
    expect(() => jqlString('a\nb')).toThrow('contains a control character');
  });
});

describe('retry policy', () => {
  test('backoff doubles, with jitter between half and all of it', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, 100, () => 1))).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map((a) => backoffMs(a, 100, () => 0))).toEqual([50, 100, 200, 400]);
  });

  const net = (code: string, message: string) => new NetworkError(`Request to https://x.atlassian.net/rest failed: fetch failed (${code})`, { cause: Object.assign(new Error(message), { code }), code, transient: true });

  test.each([
    [new RateLimitError('rate limited', 'Too Many Requests', { errorMessages: ['Rate limit exceeded.'] }, { retryAfterMs: 7000 }), { status: 429, transient: true, notSent: false, retryAfterMs: 7000, detail: 'HTTP 429: Rate limit exceeded.' }],
    [new ServerError('unavailable', 503, 'Service Unavailable', ''), { status: 503, transient: true, retryAfterMs: null, detail: 'HTTP 503' }],
    [new ApiError('bad request', 400, 'Bad Request', { errorMessages: [], errors: { summary: 'too long' } }), { status: 400, transient: false, detail: 'HTTP 400: summary: too long' }],
    [new ApiError('not found', 404, 'Not Found', { errorMessages: ['Issue does not exist'] }), { status: 404, transient: false }],
    [net('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:443'), { status: null, transient: true, notSent: true, detail: 'ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:443' }],
    [net('ECONNRESET', 'socket hang up'), { status: null, transient: true, notSent: false }],
    [new TypeError('boom'), { status: null, transient: false, detail: 'boom' }],
  ])('classify %#', (err, expected) => {
    expect(classify(err)).toMatchObject(expected);
  });
});
