/**
 * The one place where error codes become HTTP statuses, and the error handler that turns
 * anything thrown in a route into `{"error": {"code", "message"}}`. Unknown failures are
 * logged and answered as a bare 500: no stack, no internal detail, no secret.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { WardenError, CommonCodes } from '../errors.js';

const STATUS: Record<string, number> = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_POLICY: 400,
  INVALID_TOOL_NAME: 400,
  UNAUTHENTICATED: 401,
  KEY_EXPIRED: 401,
  KEY_REVOKED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  AGENT_ALREADY_SUSPENDED: 409,
  AGENT_NOT_SUSPENDED: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  AUDIT_UNAVAILABLE: 503,
  NOT_YOUR_DECISION: 403,
  OUTCOME_ALREADY_RECORDED: 409,
  APPROVAL_NOT_PENDING: 409,
  APPROVAL_EXPIRED: 409,
  SELF_APPROVAL: 403,
  APPROVAL_AGENT_INACTIVE: 409,
  TOO_MANY_WAITS: 429,
  INTERNAL: 500,
};

/** Registers extra code → status pairs from other domains (identity, decisions …). */
export function registerStatuses(map: Record<string, number>): void {
  Object.assign(STATUS, map);
}

export function statusFor(code: string): number {
  const direct = STATUS[code];
  if (direct !== undefined) return direct;
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_EXISTS')) return 409;
  // A coded error is bad outside input unless it says otherwise.
  return 400;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details?: Record<string, unknown>) {
  const body: { error: Record<string, unknown> } = { error: { code, message } };
  if (details !== undefined) body.error.details = details;
  return reply.code(status).type('application/json').send(body);
}

/** Parses `value` with a strict zod schema; a violation is INVALID_REQUEST naming the field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  // No body at all is an empty object; a JSON `null` is a body, and not an object.
  const result = schema.safeParse(value === undefined && where === 'body' ? {} : value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new WardenError(CommonCodes.INVALID_REQUEST, `invalid ${where}`);
  let field = issue.path.map(String).join('.');
  // Several unknown keys are siblings, not a path: name the first one.
  if (issue.code === 'unrecognized_keys') field = [field, issue.keys[0]].filter(Boolean).join('.');
  const message = field ? `invalid ${where}: \`${field}\`: ${issue.message.toLowerCase()}` : `invalid ${where}: ${issue.message.toLowerCase()}`;
  throw new WardenError(CommonCodes.INVALID_REQUEST, message, field ? { field } : undefined);
}

/**
 * Fastify's `frameworkErrors`: what the router rejects before any route runs (a bad
 * percent-encoding, an over-long path segment), answered in the same error shape. The
 * path is not echoed back.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return sendError(reply, 400, CommonCodes.INVALID_REQUEST, 'the url is not valid');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendError(reply, statusFor('URI_TOO_LONG'), 'URI_TOO_LONG', 'a path segment is too long');
    default:
      return sendError(reply, 500, CommonCodes.INTERNAL, 'internal error');
  }
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, 404, CommonCodes.NOT_FOUND, `no route \`${request.method} ${request.url.split('?')[0]}\``),
  );
  app.setErrorHandler((err: FastifyError | WardenError | Error, request, reply) => {
    if (err instanceof WardenError) {
      return sendError(reply, statusFor(err.code), err.code, err.message, err.details as Record<string, unknown> | undefined);
    }
    const fe = err as FastifyError;
    switch (fe.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, CommonCodes.INVALID_JSON, 'request body is not valid json');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, CommonCodes.PAYLOAD_TOO_LARGE, 'request body is larger than 1 MiB');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'content type is not supported');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 400, CommonCodes.INVALID_REQUEST, 'content length does not match the body');
    }
    if (err instanceof SyntaxError) return sendError(reply, 400, CommonCodes.INVALID_JSON, 'request body is not valid json');
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(reply, fe.statusCode, CommonCodes.INVALID_REQUEST, 'invalid request');
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, 500, CommonCodes.INTERNAL, 'internal error');
  });
}
