import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';

/** The append-only, hash-chained JSONL audit (LLM exchanges, approvals, actions, commands). */
export const auditSection = z
  .strictObject({
    /** Unset: beside the database (auditPathBeside); one chain per database, whatever the working directory. */
    path: z.string().min(1).optional(),
    agent_id: z.string().default('devops-agent'),
  })
  .prefault({});

/** `./data/devops-agent.db` -> `./data/devops-agent.audit.jsonl`: two databases never share a chain by default. */
export function auditPathBeside(databasePath: string): string {
  const name = basename(databasePath, extname(databasePath)) || 'devops-agent';
  return join(dirname(databasePath), `${name}.audit.jsonl`);
}
