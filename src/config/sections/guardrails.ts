import { z } from 'zod';

/**
 * The spec's guardrails. `enabled: false` turns off input sanitising only: the audit and the action policy
 * are not optional safety and always run.
 */
export const guardrailsSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    input_policy: z.enum(['sanitize', 'block', 'none']).default('sanitize'),
    output_policy: z.enum(['audit', 'block']).default('audit'),
    max_input_chars: z.number().int().positive().default(12000),
  })
  .prefault({});
