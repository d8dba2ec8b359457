/**
 * Codes of the MCP gateway. Two kinds: `McpGatewayCodes` label what the gateway tells an
 * MCP client (in a tool result's `_meta`, or a JSON-RPC error's `data.code`) and the HTTP
 * errors of `/mcp/<name>`; `GatewayRpcErrors` are the JSON-RPC error numbers the gateway
 * answers with where MCP has no tool result to carry a refusal (`resources/read`).
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * A JSON-RPC error the gateway answers with. Not `McpError`: that one puts
 * `MCP error <n>:` in its message, and the client's SDK adds the same prefix again.
 */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** An upstream's own JSON-RPC error, passed on as the upstream gave it. */
export function passOn(err: McpError): RpcError {
  const message = err.message.replace(/^MCP error -?\d+: /, '');
  return new RpcError(err.code, message, err.data === undefined ? undefined : (err.data as Record<string, unknown>));
}

export const McpGatewayCodes = {
  /** Warden refused the call (deny, a refused or expired approval). */
  CALL_DENIED: 'CALL_DENIED',
  /** The call waited for a human longer than the gateway's approval timeout. */
  APPROVAL_TIMEOUT: 'APPROVAL_TIMEOUT',
  /** The call is held for a human, but its agent already has as many calls waiting as it may: not held open. */
  TOO_MANY_WAITS: 'TOO_MANY_WAITS',
  /** Warden could not be asked (bad credential, unreachable, could not evaluate): refused. */
  DECISION_UNAVAILABLE: 'DECISION_UNAVAILABLE',
  /** The upstream server exited, hung or answered something that is not MCP. */
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
  UPSTREAM_NOT_FOUND: 'UPSTREAM_NOT_FOUND',
  /** An upstream tool whose name cannot be governed (not a valid Warden tool name). */
  TOOL_NAME_UNGOVERNABLE: 'TOOL_NAME_UNGOVERNABLE',
  SESSION_LIMIT: 'SESSION_LIMIT',
  /** The wrapper's `--token-file` is missing, empty or holds more than one token. */
  TOKEN_FILE_UNREADABLE: 'TOKEN_FILE_UNREADABLE',
  /** `--server`: the Warden could not be reached, or did not answer JSON. */
  WARDEN_UNREACHABLE: 'WARDEN_UNREACHABLE',
} as const;

export type McpGatewayCode = (typeof McpGatewayCodes)[keyof typeof McpGatewayCodes];

/**
 * JSON-RPC error numbers (the implementation-defined range, -32000 to -32099, that MCP
 * leaves to servers and does not use itself for these).
 */
export const GatewayRpcErrors = {
  /** Warden refused the request. */
  DENIED: -32003,
  /** The upstream failed (exited, timed out, garbage). */
  UPSTREAM: -32010,
} as const;

/** A refusal where MCP has no tool result to carry it. */
export function deniedError(message: string, code: McpGatewayCode, detail: Record<string, unknown> = {}): RpcError {
  return new RpcError(GatewayRpcErrors.DENIED, message, { code, ...detail });
}

export function upstreamError(message: string, rpcCode: number = GatewayRpcErrors.UPSTREAM): RpcError {
  return new RpcError(rpcCode, message, { code: McpGatewayCodes.UPSTREAM_FAILED });
}

export { ErrorCode, McpError };
