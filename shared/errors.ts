/**
 * Named errors. They become HTTP status codes only at the HTTP edge (functions/ingest-http) and
 * decide retry versus DLQ only in queue consumers.
 */
export interface FieldIssue {
  /** Path of the field in the source's payload, e.g. `lines[0].quantity` or `row 14: Số điện thoại`. */
  field: string;
  /** Plain-words explanation, English. */
  message: string;
  /** The source's own (e.g. Vietnamese) label for the field, when it used one. */
  label?: string;
}

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '), options);
  }
}

export class InvalidSignatureError extends Error {
  override readonly name = 'InvalidSignatureError';
}

/** A signed request whose timestamp is outside the provider's window (replay). */
export class StaleRequestError extends Error {
  override readonly name = 'StaleRequestError';
}

/** An authentic request this key may not make (403); `field` names the part of the body at fault. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A dependency (marketplace API, carrier) failed in a way worth retrying. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

/** A request body too large to take (an upload over its size or row limit, a zip bomb): 413. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** A request body in a format the route does not read (its Content-Type): 415. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}
