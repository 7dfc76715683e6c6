/** Expected outcomes are values, not exceptions (see ARCHITECTURE.md). */
export type Outcome<T> = { status: 'ok'; value: T } | { status: 'failed'; error: string; isRetryable: boolean };

export const ok = <T>(value: T): Outcome<T> => ({ status: 'ok', value });
export const failed = <T = never>(error: string, isRetryable = false): Outcome<T> => ({
  status: 'failed',
  error,
  isRetryable,
});
