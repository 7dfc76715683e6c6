/** An expected refusal with its HTTP status; the message is safe to show (never a stack trace). */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  constructor(
    statusCode: number,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Request bodies above this are refused with 413 (the API's bodies are a few hundred bytes, Slack's a few KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Parses a JSON object body: 415 without a JSON content type, 400 when it does not parse or is not an object. */
export function parseJsonObject(text: string, contentType: string | undefined): Record<string, unknown> {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'expected Content-Type: application/json');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** A path id like `42`: 400 naming `what` for anything else (no sign, no leading zero, at most 15 digits). */
export function parsePositiveId(text: string | undefined, what: string): number {
  if (!text || !/^[1-9][0-9]{0,14}$/.test(text)) {
    throw new HttpError(400, `invalid ${what} id ${JSON.stringify(String(text ?? '').slice(0, 40))}`);
  }
  return Number(text);
}

/** An optional string field: absent/null gives undefined; anything but a string of at most `max` chars is a 400. */
export function optionalString(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${key}: expected a string`);
  if (value.length > max) throw new HttpError(400, `${key}: longer than ${max} characters`);
  return value;
}

export function requiredString(body: Record<string, unknown>, key: string, max: number): string {
  const value = optionalString(body, key, max)?.trim();
  if (!value) throw new HttpError(400, `${key}: required`);
  return value;
}
