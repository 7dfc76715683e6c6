import { z } from 'zod';
import { duration } from '../duration.ts';

const severity = z.enum(['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/**
 * The workload guard: pod/deployment health and Trivy vulnerabilities, image-patch remediation with approval.
 * Cluster credentials come from the `kubernetes:` section (context, kubeconfig, in-cluster).
 */
export const workloadsSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Namespaces to check; empty means `kubernetes.namespaces`, and when that is empty too, all namespaces. */
    namespaces: z.array(z.string().min(1)).default([]),
    /** How often the daemon runs the checks. */
    interval: duration().default(300),
    /** A container restarted at least this many times is reported. */
    restart_threshold: z.number().int().min(1).default(5),
    /** A pod Pending longer than this is reported. */
    pending_timeout: duration().default(600),
    /** A running container whose readiness (or startup) probe has failed longer than this is reported. */
    not_ready_timeout: duration().default(300),
    /** The same finding is announced to notifications.channels again only after this long. */
    alert_cooldown: duration().default(3600),
    /**
     * Read pods' Warning Events (FailedMount, FailedCreatePodSandBox, Unhealthy...) to name causes the pod status does
     * not carry. Off by default: it needs the read-only deploy/kubernetes/workload-guard-events-rbac.yaml bound too.
     */
    events: z.boolean().default(false),
    /** Log lines read from a crash-looping or OOM-killed container's previous run (0: never read pod logs). */
    crash_log_lines: z.number().int().min(0).max(200).default(20),
    vulnerabilities: z
      .strictObject({
        /** Read Trivy Operator VulnerabilityReports from the cluster. */
        operator: z.boolean().default(true),
        /** `trivy image --format json` output files, matched to deployments by image. */
        report_files: z.array(z.string().min(1)).default([]),
        /** Vulnerabilities below this severity are not reported. */
        min_severity: severity.default('HIGH'),
        /** Plan an image patch only when at least one reported CVE has a fixed version. */
        only_fixable: z.boolean().default(true),
      })
      .prefault({}),
    policy: z
      .strictObject({
        /** Largest version step a patch may take: patch (x.y.Z), minor (x.Y.z) or major. */
        allowed_bump: z.enum(['patch', 'minor', 'major']).default('minor'),
        /** Registries a new image may come from (empty: the current one; the repository never changes). */
        allowed_registries: z.array(z.string().min(1)).default([]),
        /** Tags known to exist, per repository (`nginx`, `docker.io/library/nginx`, `ghcr.io/org/app`). */
        known_tags: z.record(z.string(), z.array(z.string().min(1))).default({}),
        /** Refuse tags that are neither listed in known_tags nor derived from a Trivy fixed version. */
        require_known_tag: z.boolean().default(false),
        /**
         * Ask the image's registry (OCI distribution API, anonymous pull token) for its tag list, so only existing tags
         * are proposed, and for the manifest digest that keeps a digest-pinned image pinned. Off: no network calls.
         */
        registry_lookup: z.boolean().default(false),
        /** Package whose Trivy fixed version names the image tag, per repository (default: its last segment). */
        application_packages: z.record(z.string(), z.string().min(1)).default({}),
      })
      .prefault({}),
    /** Apply planned patches without a human; off by default (the spec's human-in-the-loop). */
    auto_patch: z.boolean().default(false),
    /** How the image change is sent: a JSON patch with a `test` precondition, or a strategic-merge patch. */
    patch_type: z.enum(['json', 'strategic']).default('json'),
    /** Ask the configured LLM to pick among the allowed tags and explain (advice; the policy still decides). */
    llm_advice: z.boolean().default(true),
    approval: z
      .strictObject({
        /** A pending remediation expires after this long. */
        expiry: duration().default(86400),
        /** Slack app signing secret (`${SLACK_SIGNING_SECRET}`): verifies button callbacks. */
        slack_signing_secret: z.string().min(1).optional(),
        /** Slack user ids allowed to press Approve/Reject; empty: anyone who can see the message. */
        slack_approvers: z
          .array(z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'expected a Slack user id such as U024BE7LH'))
          .default([]),
        /** Secret for signed approve links (Teams cards); at least 32 characters. */
        link_secret: z.string().min(32, 'use at least 32 characters').optional(),
        /** Base URL where people reach the agent's web server (approve links point there). */
        public_url: z.url().optional(),
        /** Names of `notifications.channels` (slack, teams) that get approval messages; empty: every slack/teams one. */
        channels: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
  })
  .optional();

export type WorkloadsSettings = NonNullable<z.output<typeof workloadsSection>>;

/** The defaults, for callers whose config has no `workloads:` key. */
export function workloadsSettings(value: z.output<typeof workloadsSection>): WorkloadsSettings {
  return value ?? workloadsSection.parse({})!;
}
