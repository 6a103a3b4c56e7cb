import type { z } from 'zod';
import { StoreError } from '../../core/errors.js';
import type { Lake } from '../../core/store.js';

/**
 * An action's records in the lake (one JSON file each under `prefix`), read a few at a time and checked
 * against `schema`; a file that is not one is an error naming it (`what`: "notify record").
 */
export async function readRecords<S extends z.ZodType>(lake: Lake, prefix: string, schema: S, what: string): Promise<z.infer<S>[]> {
  const keys = (await lake.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.json'));
  const out: z.infer<S>[] = [];
  for (let i = 0; i < keys.length; i += 16) {
    const texts = await Promise.all(keys.slice(i, i + 16).map(async (k) => [k, await lake.readText(k)] as const));
    for (const [key, text] of texts) if (text !== undefined) out.push(parseRecord(`${lake.uri}/${key}`, text, schema, what));
  }
  return out;
}

function parseRecord<S extends z.ZodType>(where: string, text: string, schema: S, what: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`${where}: not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoreError(`${where}: not a ${what}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}
