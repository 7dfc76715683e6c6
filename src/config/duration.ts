import { z } from 'zod';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses `90s`, `5m`, `1h30m`, `7d` (or a number of seconds) into seconds; undefined when it is not a duration. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_SECONDS[unit], 0);
}

/** A zod field holding a duration, validated with a message that shows the expected shape; value in seconds. */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((value, context) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      context.addIssue({ code: 'custom', message: 'expected a duration like 60s, 5m, 1h or 7d' });
      return z.NEVER;
    }
    return seconds;
  });
