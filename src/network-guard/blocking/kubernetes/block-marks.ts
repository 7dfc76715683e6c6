/** The annotation that marks, on the object itself, which entries devops-agent added (the owner mark). */
export const BLOCKS_ANNOTATION = 'devops-agent.io/blocks';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const AGENT_NAME = 'devops-agent';

export interface BlockMark {
  incident: number;
  /** ISO time, or null for no expiry. */
  expires: string | null;
  addedAt: string;
  by: string;
}

export type BlockMarks = Record<string, BlockMark>;

/**
 * Reads the marks; a missing, unparsable or hand-edited annotation yields only the well-formed entries, so a broken
 * annotation can never make the agent claim (and later remove) an entry it did not add.
 */
export function readBlockMarks(annotations: Record<string, string> | undefined): BlockMarks {
  const text = annotations?.[BLOCKS_ANNOTATION];
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const marks: BlockMarks = {};
  for (const [entry, mark] of Object.entries(value as Record<string, unknown>)) {
    if (!mark || typeof mark !== 'object') continue;
    const { incident, expires, addedAt, by } = mark as Record<string, unknown>;
    if (typeof incident !== 'number' || typeof addedAt !== 'string') continue;
    marks[entry] = {
      incident,
      expires: typeof expires === 'string' ? expires : null,
      addedAt,
      by: typeof by === 'string' ? by : AGENT_NAME,
    };
  }
  return marks;
}

/** Stable text (sorted keys) so that the same marks always produce the same annotation and the same diff. */
export function writeBlockMarks(marks: BlockMarks): string {
  const sorted: BlockMarks = {};
  for (const key of Object.keys(marks).sort()) sorted[key] = marks[key];
  return JSON.stringify(sorted);
}
