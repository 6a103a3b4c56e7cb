import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Atlassian's ADF JSON schema (`@atlaskit/adf-schema`, json-schema/v1/full.json), compiled with ajv.
 * The schema declares draft-04; it uses no keyword whose meaning changed since (no boolean
 * exclusiveMinimum/Maximum, no `id`), so ajv's default draft compiles it as written once `$schema` is dropped.
 */
let compiled: ValidateFunction | undefined;

export function adfValidator(): ValidateFunction {
  if (compiled) return compiled;
  const require = createRequire(import.meta.url);
  const path = require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  delete schema['$schema'];
  compiled = new Ajv({ allErrors: true, strict: false, ownProperties: true }).compile(schema);
  return compiled;
}

/** The ADF schema's errors for a document, as short lines; empty when it is valid. */
export function adfErrors(doc: unknown): string[] {
  const validate = adfValidator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
