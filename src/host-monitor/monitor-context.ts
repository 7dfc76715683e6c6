import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { globRegExp } from '../core/glob.ts';
import type { Finding, FindingSeverity } from './findings.ts';
import { inWindow, localTime } from './local-time.ts';

/**
 * A known issue. With `match`, code suppresses the findings it matches (they are recorded, never alerted); without
 * it, the issue only informs the model. The spec's shape `{ "issue": "...", "resolution": "..." }` is accepted.
 */
const knownIssueSchema = z
  .object({
    id: z.string().optional(),
    issue: z.string().optional(),
    description: z.string().optional(),
    resolution: z.string().optional(),
    match: z
      .strictObject({
        rule: z.string().optional(),
        subject: z.string().optional(),
        text: z.string().optional(),
      })
      .optional(),
    /** Local time window `HH:MM-HH:MM` when the issue is expected (nightly backup heat). */
    hours: z
      .string()
      .regex(/^\d{1,2}:\d{2}-\d{1,2}:\d{2}$/)
      .optional(),
    /** Date (YYYY-MM-DD) after which the issue no longer suppresses anything. */
    expires: z.string().optional(),
  })
  .refine((issue) => issue.issue || issue.description, 'a known issue needs "issue" or "description"');

export type KnownIssue = z.output<typeof knownIssueSchema> & { id: string };

export interface SeverityConstraint {
  kind: 'max' | 'min';
  rule: string;
  subject: string;
  severity: FindingSeverity;
  line: number;
}

export interface MonitorContext {
  knownIssues: KnownIssue[];
  /** The constraints file's text for the prompt. */
  constraintsText: string;
  /** `max-severity:` / `min-severity:` lines of the constraints file, enforced in code. */
  severityConstraints: SeverityConstraint[];
  problems: string[];
}

/** Shell-style glob (`*` only) to a whole-string, case-insensitive test. */
export function globMatches(pattern: string | undefined, value: string): boolean {
  if (!pattern || pattern === '*') return true;
  return globRegExp(pattern, { ignoreCase: true }).test(value);
}

const DIRECTIVE = /^\s*(?:[-*]\s*)?(max|min)-severity:\s*(\S+)(?:\s+(\S+))?\s+(low|medium|high)\s*$/i;

/** Reads the known issues (JSON list) and constraints (text with optional severity directives); never throws. */
export function loadMonitorContext(knownIssuesPath?: string, constraintsPath?: string): MonitorContext {
  const context: MonitorContext = { knownIssues: [], constraintsText: '', severityConstraints: [], problems: [] };
  if (knownIssuesPath) {
    try {
      const raw = JSON.parse(readFileSync(knownIssuesPath, 'utf8')) as unknown;
      const list = Array.isArray(raw) ? raw : ((raw as { known_issues?: unknown[] })?.known_issues ?? []);
      list.forEach((item, index) => {
        const parsed = knownIssueSchema.safeParse(item);
        if (!parsed.success) {
          context.problems.push(
            `monitor.known_issues ${knownIssuesPath}[${index}]: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'entry'} ${issue.message}`).join('; ')} (skipped)`,
          );
          return;
        }
        context.knownIssues.push({ ...parsed.data, id: parsed.data.id ?? `known-issue-${index + 1}` });
      });
    } catch (error) {
      context.problems.push(`monitor.known_issues: cannot read ${knownIssuesPath} (${(error as Error).message})`);
    }
  }
  if (constraintsPath) {
    try {
      const text = readFileSync(constraintsPath, 'utf8');
      context.constraintsText = text.slice(0, 8000);
      text.split('\n').forEach((line, index) => {
        const match = DIRECTIVE.exec(line);
        if (!match) return;
        context.severityConstraints.push({
          kind: match[1].toLowerCase() as 'max' | 'min',
          rule: match[2],
          subject: match[3] ?? '*',
          severity: match[4].toLowerCase() as FindingSeverity,
          line: index + 1,
        });
      });
    } catch (error) {
      context.problems.push(`monitor.constraints: cannot read ${constraintsPath} (${(error as Error).message})`);
    }
  }
  return context;
}

/** The known issue that explains this finding now, if any. */
export function matchingKnownIssue(
  finding: Finding,
  issues: readonly KnownIssue[],
  at: number,
  timeZone: string,
): KnownIssue | undefined {
  const local = localTime(at, timeZone);
  return issues.find((issue) => {
    if (!issue.match) return false;
    if (issue.expires && local.date > issue.expires) return false;
    if (issue.hours) {
      const [start, end] = issue.hours.split('-');
      if (!inWindow(local.minutes, start, end)) return false;
    }
    const { rule, subject, text } = issue.match;
    if (!globMatches(rule, finding.rule) || !globMatches(subject, finding.subject)) return false;
    if (text && !`${finding.title} ${finding.detail}`.toLowerCase().includes(text.toLowerCase())) return false;
    return true;
  });
}
