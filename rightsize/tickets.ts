import type { Config } from '../core/config.js';
import { plural } from '../core/text.js';
import type { RightsizeDocument, RightsizeUnit } from './model.js';

/**
 * The rightsize tickets: one per (system, unit owner), for the units with something to do (a smaller grant,
 * or holders to prune). The owner is the permission rule's `owner` (an exact key), else the system's `owner`,
 * else `unowned`. Action hooks file them (actions/_shared/define.ts, RightsizeTicket).
 */
export interface RightsizeTicketText {
  system: string;
  owner: string;
  summary: string;
  paragraphs: string[];
  units: string[];
}

export function rightsizeTickets(doc: RightsizeDocument, config: Config): RightsizeTicketText[] {
  const groups = new Map<string, RightsizeUnit[]>();
  for (const u of doc.units.filter((x) => x.status === 'shrink' || x.pruning)) {
    const key = `${u.system}\u0000${ownerOf(config, u)}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  return [...groups.entries()].map(([key, units]) => {
    const [system, owner] = key.split('\u0000') as [string, string];
    return {
      system, owner, units: units.map((u) => u.unit),
      summary: `lapse rightsize: ${plural(units.length, 'unit')} on ${system} owned by ${owner} can be smaller`,
      paragraphs: [
        `Over the ${doc.window.days} days to ${doc.window.to}, the holders of these grants used less than they grant (lapse rightsize, by ${doc.granularity}). Logs carry: ${doc.systems.find((s) => s.system === system)?.logged.join(', ')}; what they cannot show is kept.`,
        ...units.flatMap(unitParagraphs),
      ],
    };
  });
}

function ownerOf(config: Config, u: RightsizeUnit): string {
  const sys = config.systems[u.system];
  return sys?.permissions[u.unit]?.owner ?? sys?.owner ?? 'unowned';
}

function unitParagraphs(u: RightsizeUnit): string[] {
  const name = `${u.label ?? u.unit}${u.role ? ` (${u.role})` : ''}`;
  return [
    `${name}: ${u.users} of ${plural(u.holders, 'holder')} used it. ${u.reason}.`,
    ...(u.recommendation ? [`Recommended: ${u.recommendation.text}.`] : []),
    ...(u.pruning ? [`Holders: ${u.pruning.text}. The others may no longer need it.`] : []),
    ...(u.unobservable.count ? [`Kept because the logs cannot show them: ${plural(u.unobservable.count, 'action')} in ${u.unobservable.services.join(', ')}.`] : []),
    ...u.notes.map((n) => `Note: ${n}.`),
    ...(u.recommendation?.policy ? [`Policy: \`${JSON.stringify(u.recommendation.policy)}\``] : []),
    ...(u.recommendation?.permissions ? [`Permissions: ${u.recommendation.permissions.join(', ')}`] : []),
    ...(u.recommendation?.rules ? [`Rules: \`${JSON.stringify(u.recommendation.rules)}\``] : []),
  ];
}
