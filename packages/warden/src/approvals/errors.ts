/** Error codes of the human-in-the-loop queue. */
export const ApprovalCodes = {
  APPROVAL_NOT_FOUND: 'APPROVAL_NOT_FOUND',
  APPROVAL_NOT_PENDING: 'APPROVAL_NOT_PENDING',
  APPROVAL_EXPIRED: 'APPROVAL_EXPIRED',
  SELF_APPROVAL: 'SELF_APPROVAL',
} as const;
