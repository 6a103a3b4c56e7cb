import type { SystemConfig } from '../../core/config.js';
import { resolvePath } from '../../core/config.js';
import type { StageContext } from '../../core/context.js';
import { SourceError } from '../../core/errors.js';
import { PathsSource } from './paths.js';
import { PrefixSource } from './prefix.js';
import { SqsSource } from './sqs.js';

export type { Batch, LogSource, SourceCounts, SourceObject } from './source.js';

/**
 * A system's log sources, in the order ingest reads them: its `path:` entries together first, then each
 * `s3:` prefix and `sqs:` queue as configured.
 */
export function logSources(ctx: StageContext, system: string, sys: SystemConfig) {
  const paths = sys.logs.flatMap((l) => (l.path === undefined ? [] : [resolvePath(ctx.config, l.path)]));
  const remote = sys.logs.filter((l) => l.path === undefined).map((l) => {
    if (l.s3 !== undefined) return new PrefixSource(ctx, system, l.s3);
    if (l.sqs !== undefined) return new SqsSource(ctx, system, { ...l, sqs: l.sqs });
    throw new SourceError(`${system}: a remote log source needs s3 or sqs`);
  });
  return [new PathsSource(ctx, system, paths), ...remote];
}
