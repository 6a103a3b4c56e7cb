import { resolve } from 'node:path';
import { actions, runFacts } from '../actions/index.js';
import { allowBlastRadius, loadFindings, recordedOverrides } from '../detect/index.js';
import { EXIT, StoreError, UsageError, messageOf } from '../core/errors.js';
import { forTerminal, plural } from '../core/text.js';
import type { NotifyOptions } from '../actions/notify/options.js';
import type { NotifyPlan } from '../actions/notify/plan.js';
import { asOfDay } from './context.js';
import { withContext, type Io } from './commands.js';

/**
 * `lapse notify`: the config's notify action(s) alone, on the stored findings (newest run, or --as-of).
 * `--preview DIR` writes every message as it would be sent, one file per recipient; `--dry-run` prints
 * them; neither: sends, as `lapse act` would. Previews and dry runs open the lake read-only.
 */
export async function notifyCommand(io: Io, o: { config: string; asOf?: string; dryRun?: boolean; preview?: string }): Promise<number> {
  if (o.preview !== undefined && o.dryRun) throw new UsageError('--preview and --dry-run: give one (both send nothing)');
  const looking = o.preview !== undefined || !!o.dryRun;
  return withContext(o.config, io, looking ? { readOnly: true } : false, async (ctx) => {
    const entries = ctx.config.actions.flatMap((a, i) => (a.type === 'notify' ? [i] : []));
    if (entries.length === 0) throw new UsageError(`${o.config}: no action of type notify in actions:; add one (see docs/notify.md)`);
    const found = await loadFindings(ctx, o.asOf === undefined ? undefined : asOfDay(o.asOf));
    if (!found) throw new StoreError(`no findings in ${ctx.lake.uri}${o.asOf ? ` for ${o.asOf}` : ''}; run lapse detect first`);
    const { doc, overrides } = allowBlastRadius(found, [], await recordedOverrides(ctx.lake, found.as_of));
    const run = runFacts(ctx.config, overrides);
    const action = actions.get('notify')!;
    const print = (lines: string[]) => io.out(`${forTerminal(lines).join('\n')}\n`);
    if (!o.dryRun) print([`lapse notify · findings as of ${doc.as_of} · run ${doc.run_id} · mode ${ctx.config.mode}${looking ? ' · PREVIEW (nothing is sent)' : ''}`]);
    let failed = false;
    for (const i of entries) {
      const options = action.options.parse(ctx.config.actions[i]) as NotifyOptions;
      const actx = { ...ctx, log: ctx.log.child({ action: 'notify' }), run };
      const plan = (await action.plan(actx, doc, options)) as NotifyPlan;
      const at = entries.length > 1 ? `actions[${i}] ` : '';
      if (o.preview !== undefined) {
        const { previewFiles, writePreview } = await import('../actions/notify/preview.js');
        const dir = resolve(entries.length > 1 ? `${o.preview}/${i}` : o.preview);
        const files = await previewFiles(plan, options);
        await writePreview(dir, plan, files);
        print([`${at}${plural(files.length, 'message')} → ${dir} (${action.describe(plan).lines.join('; ')})`]);
      } else if (o.dryRun) {
        const { previewText } = await import('../actions/notify/preview.js');
        io.out(await previewText(plan, options));
      } else {
        try {
          print([`${at}notify: ${(await action.apply(actx, plan, options)).lines.join('; ')}`]);
        } catch (err) {
          failed = true;
          print([`${at}notify: FAILED: ${messageOf(err)}`]);
        }
      }
    }
    return failed ? EXIT.failed : EXIT.ok;
  });
}
