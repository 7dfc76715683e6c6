import { z } from 'zod';

/** The model's opinion on a network-guard incident: advice shown to humans and stored, never an order. */
export const incidentVerdictSchema = z.strictObject({
  verdict: z.enum(['secrets_scanning', 'benign', 'uncertain']),
  confidence: z.number().min(0).max(1),
  reasons: z.array(z.string().max(500)).max(10),
  recommended_action: z.enum(['block', 'monitor', 'none']),
});

export type IncidentVerdict = z.output<typeof incidentVerdictSchema>;
