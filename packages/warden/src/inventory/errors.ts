/** Error codes of the inventory domain. */
import { WardenError } from '../errors.js';

export const InventoryCodes = {
  AGENT_NOT_FOUND: 'AGENT_NOT_FOUND',
  AGENT_EXISTS: 'AGENT_EXISTS',
  INVALID_TOOL_NAME: 'INVALID_TOOL_NAME',
  AGENT_ALREADY_SUSPENDED: 'AGENT_ALREADY_SUSPENDED',
  AGENT_NOT_SUSPENDED: 'AGENT_NOT_SUSPENDED',
} as const;

export const agentNotFound = (id: string) => new WardenError(InventoryCodes.AGENT_NOT_FOUND, `no agent \`${id}\``);
export const agentExists = (id: string) => new WardenError(InventoryCodes.AGENT_EXISTS, `an agent \`${id}\` already exists`);
