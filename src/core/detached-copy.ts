/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 keeps a slice of 13 characters or more
 * as a view of its parent, so an address or a user agent cut from a log line keeps the whole line (or the whole
 * read chunk) alive for as long as it is remembered. Concatenating builds a new string, and slicing that one back
 * to the original length refers to the new string only.
 */
export function detachedCopy(text: string): string {
  // Shorter strings are never views (V8 copies a slice of fewer than 13 characters, and joins nothing that short
  // lazily): they are their own copy already.
  if (text.length < 13) return text;
  return `${text} `.slice(0, -1);
}
