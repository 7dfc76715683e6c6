import { z } from 'zod';
import { auditPathBeside, auditSection } from './sections/audit.ts';
import { blockingSection } from './sections/blocking.ts';
import { detectionSection } from './sections/detection.ts';
import { elasticsearchSection } from './sections/elasticsearch.ts';
import { execSection } from './sections/exec.ts';
import { guardrailsSection } from './sections/guardrails.ts';
import { kubernetesSection } from './sections/kubernetes.ts';
import { llmSection } from './sections/llm.ts';
import { monitorSection } from './sections/monitor.ts';
import { notificationsSection } from './sections/notifications.ts';
import { sourcesSection } from './sections/sources.ts';
import { webSection } from './sections/web.ts';
import { workloadsSection } from './sections/workloads.ts';

export const MODES = ['auto', 'review', 'disabled'] as const;
export type Mode = (typeof MODES)[number];

/** The whole configuration. Each capability owns one section file; keys keep the spec's snake_case names. */
export const configSchema = z
  .strictObject({
    llm: llmSection,
    mode: z.enum(MODES).default('review'),
    elasticsearch: elasticsearchSection,
    kubernetes: kubernetesSection,
    database: z.strictObject({ path: z.string().default('./data/devops-agent.db') }).prefault({}),
    guardrails: guardrailsSection,
    /** Proxies/load balancers in front of Traefik whose X-Forwarded-For is believed. */
    trusted_proxies: z.array(z.string()).default([]),
    sources: sourcesSection,
    detection: detectionSection,
    blocking: blockingSection,
    web: webSection,
    audit: auditSection,
    exec: execSection,
    monitor: monitorSection,
    notifications: notificationsSection,
    workloads: workloadsSection,
  })
  // Defaults derived from another key, resolved once here so every reader sees the same value.
  .transform((config) => ({
    ...config,
    audit: { ...config.audit, path: config.audit.path ?? auditPathBeside(config.database.path) },
  }));

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
