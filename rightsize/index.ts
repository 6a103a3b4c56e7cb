// rightsize: reads the as-of grants (lapse_grants) and the window's action uses (lapse_action_uses), both
// loaded by aggregate, and the systems' own exports of what a unit grants; returns the rightsize document.
export { rightsize, PRUNE_SHARE, type RightsizeOptions } from './rightsize.js';
export type { RightsizeDocument, RightsizeUnit } from './model.js';
export type { Granularity, PolicyDocument } from './aws.js';
export { rightsizeTickets, type RightsizeTicketText } from './tickets.js';
