import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../core/hash.js';
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

  test('every $ref resolves inside the subset', () => {
    const refs = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n)) (k === '$ref' ? refs.add(String(v)) : walk(v));
    };
    walk(spec);
    expect(refs.size).toBeGreaterThan(10);
    for (const ref of refs) expect(spec['definitions'][ref.replace('#/definitions/', '')], ref).toBeDefined();
  });

  test('says where it came from', () => {
    expect(spec['x-lapse-vendored'].sha256).toBe('8b92da26a3c5b11d20042a9f36d81f1fa6fc9382c5ddc471babb68b91936bc3a');
    const readme = readFileSync(new URL('./openapi/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(spec['x-lapse-vendored'].sha256);
    expect(readme).toContain('MIT');
  });

  test.skipIf(!existsSync(FULL))('is what the vendoring script makes from the full description', () => {
    const text = readFileSync(FULL, 'utf8');
    expect(subsetSpec(JSON.parse(text), { source: spec['x-lapse-vendored'].source, sha256: sha256(text) })).toEqual(spec);
  });
});
