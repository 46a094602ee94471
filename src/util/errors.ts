// Typed errors: every failure that reaches a user or a client carries a stable code and a message.
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_EVENT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'NOT_FOUND',
  'NOT_JOINED',
  'ALREADY_JOINED',
  'ROOM_FULL',
  'FORBIDDEN',
  'HOST_NOT_ALLOWED',
  'BUSY',
  'CLOSED',
  'NO_FACE',
  'MULTIPLE_FACES',
  'IMAGE_INVALID',
  'IMAGE_TOO_LARGE',
  'MODEL_MISSING',
  'MODEL_INVALID',
  'INFERENCE_FAILED',
  'NEGOTIATION_FAILED',
  'AGENT_UNAVAILABLE',
  'AGENT_LIMIT',
  'IDENTITY_NOT_FOUND',
  'ROOM_ELSEWHERE',
  'CONFIG_INVALID',
  'REQUEST_TIMEOUT',
  'QUOTA_EXCEEDED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Any thrown value as an AppError; unknown failures become INTERNAL without leaking internals. */
export function toAppError(e: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (e instanceof AppError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AppError(fallback, message, undefined, { cause: e });
}
