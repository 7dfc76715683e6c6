import { z } from 'zod';

/** The spec's `kubernetes:` block. Absent means blocks go to the Traefik dynamic-configuration file. */
export const kubernetesSection = z
  .strictObject({
    context: z.string().optional(),
    kubeconfig: z.string().optional(),
  })
  .optional();
