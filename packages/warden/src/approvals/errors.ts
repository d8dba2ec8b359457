/** Error codes of the human-in-the-loop queue. */
export const ApprovalCodes = {
  APPROVAL_NOT_FOUND: 'APPROVAL_NOT_FOUND',
  APPROVAL_NOT_PENDING: 'APPROVAL_NOT_PENDING',
  APPROVAL_EXPIRED: 'APPROVAL_EXPIRED',
  SELF_APPROVAL: 'SELF_APPROVAL',
  /** An agent of the call's chain is suspended: nothing of it may be approved until it is resumed. */
  APPROVAL_AGENT_INACTIVE: 'APPROVAL_AGENT_INACTIVE',
  /** The caller (or the server) already holds as many waiting requests as it may. */
  TOO_MANY_WAITS: 'TOO_MANY_WAITS',
} as const;
