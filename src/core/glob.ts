/** A `*` wildcard pattern (nothing else is special) as an anchored regular expression; `ignoreCase` for names people type. */
export function globRegExp(pattern: string, options: { ignoreCase?: boolean } = {}): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, options.ignoreCase ? 'i' : '');
}
