import { ActionError } from '../../core/errors.js';

/** A transport is down or refuses lapse (unreachable, auth or scopes refused, rate limited too long): stop sending. */
export class TransportDown extends ActionError {}

/** A transport refused this one recipient (a Slack user disabled, an address the server rejects): the others still go. */
export class RecipientRefused extends ActionError {}
