import { z } from 'zod';

/**
 * The spec's guardrails around every model exchange.
 * - input_policy `sanitize`: untrusted data is redacted, size-capped, fenced as data and scanned for prompt injection
 *   (flagged and recorded, never obeyed). `block`: the same, and data flagged as injection is not sent at all
 *   (the call answers `blocked`). `none`: only secret redaction and fencing.
 * - output_policy `audit`: refused tool calls are recorded and the model is told why; the run continues.
 *   `block`: the first refused tool call or flagged answer ends the run with `blocked`.
 * `enabled: false` turns off the injection scan, input blocking and size caps. Redaction (secrets, personal data), fencing,
 * schema validation, tool-call validation, the action policy and the audit are not optional and always run.
 */
export const guardrailsSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    input_policy: z.enum(['sanitize', 'block', 'none']).default('sanitize'),
    output_policy: z.enum(['audit', 'block']).default('audit'),
    /** Cap on the untrusted data of one call, and on each tool output, in characters. */
    max_input_chars: z.number().int().positive().default(12000),
    /** Cap on one tool call's arguments (JSON characters); larger calls are refused. */
    max_tool_argument_chars: z.number().int().positive().default(4000),
  })
  .prefault({});
