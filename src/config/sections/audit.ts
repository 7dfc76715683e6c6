import { z } from 'zod';

/** The append-only, hash-chained JSONL audit (LLM exchanges, approvals, actions, commands). */
export const auditSection = z
  .strictObject({
    path: z.string().default('./data/audit/audit.jsonl'),
    agent_id: z.string().default('devops-agent'),
  })
  .prefault({});
