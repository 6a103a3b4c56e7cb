import type { LogSource as ConfigLogSource, SystemConfig } from '../../core/config.js';
import { resolvePath } from '../../core/config.js';
import type { StageContext } from '../../core/context.js';
import { SourceError } from '../../core/errors.js';
import { connectorById } from '../../connectors/index.js';
import { openGithubLogs } from '../../connectors/github_audit/api.js';
import { openOktaLogs } from '../../connectors/okta_system_log/api.js';
import { ApiSource } from './api.js';
import { PathsSource } from './paths.js';
import { PrefixSource } from './prefix.js';
import { SqsSource } from './sqs.js';
import type { LogSource } from './source.js';

export type { Batch, LogSource, SourceCounts, SourceObject } from './source.js';

/**
 * A system's log sources, in the order ingest reads them: its `path:` entries together first, then each
 * `s3:` prefix, `sqs:` queue and `okta:` or `github:` API as configured.
 */
export function logSources(ctx: StageContext, system: string, sys: SystemConfig) {
  const paths = sys.logs.flatMap((l) => (l.path === undefined ? [] : [resolvePath(ctx.config, l.path)]));
  const remote = sys.logs.flatMap((l, i): LogSource[] => {
    if (l.path !== undefined) return [];
    if (l.s3 !== undefined) return [new PrefixSource(ctx, system, l.s3)];
    if (l.sqs !== undefined) return [new SqsSource(ctx, system, { ...l, sqs: l.sqs })];
    const field = `systems.${system}.logs[${i}]`;
    if (l.okta !== undefined) return [oktaSource(ctx, system, sys, l.okta, `${field}.okta`)];
    if (l.github !== undefined) return [githubSource(ctx, system, l.github, `${field}.github`)];
    throw new SourceError(`${field}: a log source needs path, s3, sqs, okta or github`);
  });
  return [new PathsSource(ctx, system, paths), ...remote];
}

/** The Okta System Log API, fetching only the event types the connector counts as uses. */
function oktaSource(ctx: StageContext, system: string, sys: SystemConfig, okta: NonNullable<ConfigLogSource['okta']>, field: string) {
  const { use_event_types } = connectorById(sys.connector).options.parse(sys) as { use_event_types: string[] };
  const open = () => openOktaLogs(okta, field, ctx.log, use_event_types);
  return new ApiSource(ctx, system, 'okta', open, { ...okta, field });
}

/** The GitHub organization audit log API. */
function githubSource(ctx: StageContext, system: string, github: NonNullable<ConfigLogSource['github']>, field: string) {
  return new ApiSource(ctx, system, 'github', () => openGithubLogs(github, field, ctx.log), { ...github, field });
}
