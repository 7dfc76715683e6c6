import { z } from 'zod';
import { duration } from '../duration.ts';

const clockTime = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM (24-hour clock)');

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as Europe/Paris or America/Chicago');

/** A list given either as YAML list or as the spec's space/comma separated string (`NMAP_TARGETS = "192.168.1.0/24"`). */
const stringList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(/[\s,]+/)).map((item) => item.trim()).filter(Boolean),
  );

/**
 * The host monitor (`devops-agent monitor`). The spec's settings keep their names, lower-cased; every collector is
 * optional and fails soft when its tool or file is missing.
 */
export const monitorSection = z
  .strictObject({
    interval: duration().default(300),
    /** Alerts and recap (the spec's channels); other channels come from `notifications.channels`. */
    discord_webhook_url: z.string().optional(),
    home_assistant_url: z.string().optional(),
    home_assistant_token: z.string().optional(),
    google_home_speaker_id: z.string().optional(),
    home_assistant_tts_entity: z.string().default('tts.google_translate_en_com'),
    daily_recap_time: clockTime.default('20:00'),
    timezone: timeZone.default('UTC'),
    /** Voice alerts stay silent in this window (local time); Discord still gets them. */
    quiet_hours: z.strictObject({ start: clockTime, end: clockTime }).optional(),
    /** Logs: files read incrementally (position kept across restarts), or journald. */
    /** Set a path to '' to turn that collector off. */
    auth_log: z.string().default('/var/log/auth.log'),
    syslog: z.string().default('/var/log/syslog'),
    journald: z.boolean().default(false),
    /** Where a first start reads a log: only new lines (default), or the whole file. */
    log_start_at: z.enum(['end', 'beginning']).default('end'),
    /** Failed logins per source IP are counted over this window. */
    login_window: duration().default(600),
    max_log_bytes_per_cycle: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    /** Temperatures: `sensors -j`, hwmon, thermal zones, nvidia-smi (each skipped when absent). */
    temperatures: z.boolean().default(true),
    hwmon_path: z.string().default('/sys/class/hwmon'),
    thermal_path: z.string().default('/sys/class/thermal'),
    /** Network. */
    ping_targets: stringList.default([]),
    ping_count: z.number().int().min(1).max(20).default(3),
    nmap_targets: stringList.default([]),
    nmap_scan_options: z.string().default('-T4 -F'),
    nmap_interval: duration().default(3600),
    /** Hosts where a new open port is always high and the model may not lower it. */
    critical_hosts: z.array(z.string()).default([]),
    /** Processes that must be running (names as in /proc/<pid>/comm, or a substring of the command line). */
    processes: z.array(z.string()).default([]),
    proc_path: z.string().default('/proc'),
    docker_socket: z.string().default('/var/run/docker.sock'),
    /**
     * Containers that must be running and healthy; empty means every container Docker reports is watched (but Podman's
     * pod infra containers). Docker writes names `/web`, Podman's libpod API `web`: both mean the same container.
     */
    docker_containers: z.array(z.string().transform((name) => name.replace(/^\//, ''))).default([]),
    docker: z.boolean().default(true),
    /** Context for triage: a JSON list of known issues (suppress matching findings) and a constraints text. */
    known_issues: z.string().optional(),
    constraints: z.string().optional(),
    thresholds: z
      .strictObject({
        cpu_temperature_medium: z.number().default(80),
        cpu_temperature_high: z.number().default(90),
        gpu_temperature_medium: z.number().default(80),
        gpu_temperature_high: z.number().default(90),
        packet_loss_medium: z.number().min(0).max(100).default(20),
        rtt_ms_medium: z.number().positive().default(200),
        login_failures_medium: z.number().int().positive().default(5),
        login_failures_high: z.number().int().positive().default(20),
        container_restarts_medium: z.number().int().positive().default(3),
      })
      .prefault({}),
    baseline: z
      .strictObject({
        /** Samples a metric needs before deviations are judged. */
        warmup_samples: z.number().int().min(3).default(12),
        /** History kept and used for median/MAD. */
        window: duration().default(14 * 86400),
        /** Samples an hour-of-week bucket needs before it replaces the overall baseline. */
        hour_of_week_min_samples: z.number().int().min(3).default(8),
        ewma_alpha: z.number().gt(0).lt(1).default(0.2),
        /** Robust z-score (0.6745 * |x - median| / MAD) for a low and a medium deviation. */
        deviation_low: z.number().positive().default(4),
        deviation_medium: z.number().positive().default(8),
      })
      .prefault({}),
    alerting: z
      .strictObject({
        /** An active high finding is not alerted again before this much time has passed. */
        cooldown: duration().default(3600),
        /** Cycles a finding must be absent before it counts as resolved (and a resolve message is sent). */
        resolve_after_cycles: z.number().int().min(1).default(2),
        send_resolved: z.boolean().default(true),
        /** Activations of one finding within `flap_window` that mark it flapping (alerts held, recap only). */
        flap_threshold: z.number().int().min(2).default(4),
        flap_window: duration().default(3600),
      })
      .prefault({}),
    llm_triage: z
      .strictObject({
        enabled: z.boolean().default(true),
        max_calls_per_cycle: z.number().int().min(0).default(5),
        /** One call per cycle (counted in max_calls_per_cycle): the model sees the observations and baselines and may
         * raise an anomaly the rules missed, at most medium unless a rule finding on the same subject corroborates it. */
        review_observations: z.boolean().default(true),
      })
      .prefault({}),
    /** Anomalies and samples older than this are deleted. */
    retention: duration().default(30 * 86400),
  })
  .optional();

export type MonitorSettings = NonNullable<z.output<typeof monitorSection>>;
