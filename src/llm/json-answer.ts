import { z } from 'zod';

export type JsonAnswer<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads a model's text as one JSON value and validates it. Tolerates a surrounding code fence or a sentence around the
 * object (small local models add them), nothing more: anything else is an error the repair prompt can quote.
 */
export function parseJsonAnswer<T>(text: string, schema: z.ZodType<T>): JsonAnswer<T> {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  const result = schema.safeParse(parsed.value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: describeIssues(result.error) };
}

function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  const candidates = [fenced ? fenced[1] : trimmed];
  const first = trimmed.indexOf('{');
  const last = trimmed.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(trimmed.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch {
      // try the next reading
    }
  }
  if (trimmed === '') return { ok: false, error: 'the answer was empty' };
  return { ok: false, error: 'the answer is not valid JSON' };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** The JSON Schema shown to the model, so it knows the exact shape we will validate. */
export function schemaForPrompt(schema: z.ZodType): string {
  try {
    return JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }));
  } catch {
    return '(a JSON object)';
  }
}
