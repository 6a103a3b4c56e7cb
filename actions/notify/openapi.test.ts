import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { vendoredSubsetTests } from '../../test/openapi/vendored.js';
import { METHODS, subsetSpec } from './openapi/subset.js';
import { loadSlackSpec } from './testing/slack-server.js';

/** The vendored subset of Slack's description: complete, self-contained, attributed, and regenerable. */

const spec = loadSlackSpec() as Record<string, any>;
const FULL = new URL('../../../shared/contracts/slack/slack_web_openapi_v2_without_examples.json', import.meta.url);

describe('vendored Slack OpenAPI subset', () => {
  test('holds exactly the methods the action and doctor call', () => {
    expect(Object.keys(spec['paths']).sort()).toEqual([...METHODS].sort());
    expect(spec['x-lapse-vendored'].methods).toEqual([...METHODS]);
  });

  test('says where it came from', () => {
    expect(spec['x-lapse-vendored'].sha256).toBe('8b92da26a3c5b11d20042a9f36d81f1fa6fc9382c5ddc471babb68b91936bc3a');
    const readme = readFileSync(new URL('./openapi/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(spec['x-lapse-vendored'].sha256);
    expect(readme).toContain('MIT');
  });

  vendoredSubsetTests({ spec, full: FULL, minRefs: 10, make: (whole, sha256) => subsetSpec(whole, { source: spec['x-lapse-vendored'].source, sha256 }) });
});
