import type { ActionProfile } from '../_shared/define.js';
import type { ticketPreview } from './action.js';

/**
 * What the ticket_preview action says about itself: it writes a local directory it creates on apply
 * (config validation already refuses one that overlaps another output), so doctor has nothing to probe,
 * and it needs no permission.
 */
export const ticketPreviewProfile: ActionProfile<typeof ticketPreview.options> = {
  async checks() {},
  permissions: [],
  docs: 'README.md#outputs',
};
