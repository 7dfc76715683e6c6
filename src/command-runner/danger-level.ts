/** The spec's danger levels, from harmless to destructive; the order matters (`maxLevel`). */
export const DANGER_LEVELS = ['SAFE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type DangerLevel = (typeof DANGER_LEVELS)[number];

export const DECISIONS = ['allow', 'ask', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Why a command got its level: the rule that fired and a sentence a human can check. */
export interface Finding {
  level: DangerLevel;
  rule: string;
  reason: string;
}

export function levelRank(level: DangerLevel): number {
  return DANGER_LEVELS.indexOf(level);
}

export function maxLevel(...levels: DangerLevel[]): DangerLevel {
  return levels.reduce<DangerLevel>((top, level) => (levelRank(level) > levelRank(top) ? level : top), 'SAFE');
}

/** The spec's table: SAFE/LOW run, MEDIUM/HIGH need an approval, CRITICAL never runs. */
export function decisionFor(level: DangerLevel): Decision {
  if (level === 'CRITICAL') return 'deny';
  return level === 'MEDIUM' || level === 'HIGH' ? 'ask' : 'allow';
}

/** The finding that decides: highest level first, the earliest of equals (the order the command reads in). */
export function topFinding(findings: readonly Finding[]): Finding | undefined {
  let top: Finding | undefined;
  for (const finding of findings) if (!top || levelRank(finding.level) > levelRank(top.level)) top = finding;
  return top;
}
