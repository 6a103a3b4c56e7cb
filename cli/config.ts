import { z } from 'zod';
import { configSchema, loadConfig, systemBaseShape, type Config } from '../core/config.js';
import { actions } from '../actions/index.js';
import { connectors } from '../connectors/index.js';
import { actionConnectors } from '../connectors/actions.js';

/**
 * The full, strict config schema: core's base plus every registered connector's and action's keys,
 * discriminated on `connector` / `type`. Built here, where the plugin lists are.
 */
export function buildConfigSchema() {
  const systems = [...connectors.values()].map((c) =>
    z.strictObject({ ...systemBaseShape, ...c.options.shape, connector: z.literal(c.id) }).superRefine(actionsKnown(c.id)),
  );
  // safeExtend keeps an action's own checks across its keys (at least one transport, say); spreading `.shape` drops them.
  const actionVariants = [...actions.values()].map((a) => a.options.safeExtend({ type: z.literal(a.id) }).strict());
  const connectorIds = [...connectors.keys()].join(', ');
  const actionIds = [...actions.keys()].join(', ');
  const system = z.discriminatedUnion('connector', systems as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (iss) => (iss.code === 'invalid_union' ? `unknown connector; valid: ${connectorIds}` : undefined),
  });
  const action = z.discriminatedUnion('type', actionVariants as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (iss) => (iss.code === 'invalid_union' ? `unknown action type; valid: ${actionIds}` : undefined),
  });
  return configSchema(system, action);
}

/** `actions: true` needs the connector's action mapper (connectors/actions.ts): without one, nothing could name the actions. */
function actionsKnown(connector: string) {
  const known = actionConnectors();
  return (system: { actions?: boolean }, ctx: z.RefinementCtx) => {
    if (!system.actions || known.includes(connector)) return;
    ctx.addIssue({
      code: 'custom', path: ['actions'],
      message: `${connector} has no action mapper, so its systems cannot keep action summaries; actions: true works with ${known.join(', ')}`,
    });
  };
}

export function readConfig(file: string): Promise<Config> {
  return loadConfig(file, buildConfigSchema());
}
