import { z } from 'zod';
import { duration } from '../duration.ts';

const level = z.enum(['SAFE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/** A regular expression given as text; the error names the key when it does not compile. */
const regex = z.string().superRefine((value, context) => {
  try {
    new RegExp(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

/** The command runner (`devops-agent exec`): danger-level policy, approvals, sandbox and limits. */
export const execSection = z
  .strictObject({
    /** Per-command time limit; the whole process group is killed when it passes. */
    timeout: duration().default(30),
    /** Bytes of stdout and of stderr kept per command (the digest covers everything). */
    max_output_bytes: z.number().int().min(256).max(10_000_000).default(65536),
    /** Commands shown in the terminal are cut to this many bytes. */
    display_output_bytes: z.number().int().min(0).default(2000),
    max_commands: z.number().int().min(1).max(50).default(10),
    /** Where commands run (and the only writable place in the sandbox besides /tmp). Default: the current directory. */
    working_directory: z.string().optional(),
    /** Environment variables whose names match this are dropped before a command starts. */
    env_deny_pattern: regex.default('TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION'),
    sandbox: z
      .strictObject({
        /** auto: bubblewrap when it works here; required: refuse to run without it; off: never. */
        mode: z.enum(['auto', 'required', 'off']).default('auto'),
        network: z.boolean().default(false),
        /** Extra paths mounted writable (the working directory and a private /tmp always are). */
        writable_paths: z.array(z.string()).default([]),
      })
      .prefault({}),
    retry: z
      .strictObject({
        /** Retries after the first attempt, only for SAFE/LOW commands and transient failures. */
        max_retries: z.number().int().min(0).max(3).default(3),
        base_delay: duration().default(0.5),
      })
      .prefault({}),
    /** How long a reviewer's approval stays usable (it is single use either way). */
    approval_ttl: duration().default(86400),
    /** Approve MEDIUM/HIGH commands without asking (the CLI's --yes-medium / --yes-high). CRITICAL never runs. */
    auto_approve: z.strictObject({ medium: z.boolean().default(false), high: z.boolean().default(false) }).prefault({}),
    policy: z
      .strictObject({
        /** Level per program, replacing its built-in rule (parse, redirect, pipe-to-shell rules still apply). */
        programs: z.record(z.string(), level).default({}),
        /** Extra rules matched against each simple command written as `program arg...`; they only raise levels. */
        rules: z.array(z.strictObject({ name: z.string().min(1), pattern: regex, level })).default([]),
        default_level: level.default('MEDIUM'),
        /** Extra paths where writes are CRITICAL, besides /etc, /usr, /boot, /var/lib... */
        system_paths: z.array(z.string().startsWith('/')).default([]),
        /** Checked when the policy loads: a command and the level it must get. A failure is a config error. */
        self_tests: z.array(z.strictObject({ command: z.string(), level })).default([]),
      })
      .prefault({}),
  })
  .prefault({});
