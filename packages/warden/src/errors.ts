/**
 * The base of every coded error Warden raises on bad outside input.
 *
 * Each domain keeps its own catalog of codes (`identity/errors.ts`, `audit/errors.ts`, …);
 * callers switch on `code`, and the HTTP layer maps codes to statuses in one place
 * (`server/errors.ts`). Programmer misuse throws `TypeError` instead.
 *
 * Messages are lowercase, one line, no final period, values in backticks.
 */
export class WardenError extends Error {
  readonly code: string;
  /** Extra, non-secret detail a client may act on (field names, Cedar messages …). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'WardenError';
    this.code = code;
    this.details = details;
  }
}

/** Codes shared by every domain. */
export const CommonCodes = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  INVALID_JSON: 'INVALID_JSON',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INTERNAL: 'INTERNAL',
} as const;

export function invalid(message: string, details?: Record<string, unknown>): WardenError {
  return new WardenError(CommonCodes.INVALID_REQUEST, message, details);
}

export function notFound(message: string): WardenError {
  return new WardenError(CommonCodes.NOT_FOUND, message);
}

export function conflict(message: string): WardenError {
  return new WardenError(CommonCodes.CONFLICT, message);
}
