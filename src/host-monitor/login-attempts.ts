import type { MonitorStore } from './monitor-store.ts';
import type { AuthEvent } from './observations.ts';

const connection = (event: AuthEvent) => `${event.sourceIp}|${event.port}`;
const account = (event: AuthEvent) => `${event.sourceIp}|${event.user}`;

/**
 * sshd logs one failed attempt several ways, and one connection's end several times. Keep one event per attempt, so
 * a burst of 5 attempts counts 5, not 15:
 * - `Invalid user`, a DenyUsers/AllowUsers refusal, `ROOT LOGIN REFUSED` and the PAM failure announce or repeat the
 *   `Failed <method>` lines of the same connection: they count only when no such line is there;
 * - `maximum authentication attempts exceeded` and `Disconnecting ...: Too many authentication failures` close a
 *   connection whose failures were already counted: at most one per connection, none when its failures are there;
 * - a key-offering agent tries its keys one by one: `Failed publickey` lines of a connection that ends with
 *   `Accepted` for the same user are the client's search, not an attack;
 * - sshd writes `Failed <method>` for every attempt that fails, so an sshd PAM failure with none from its address is
 *   one module of a stack that went on to succeed (pam_unix before pam_ldap, fail2ban gh-2070) when that address
 *   logged in as that user: not counted then;
 * - login writes its own line for each failed attempt (`FAILED LOGIN`, the last one `TOO MANY LOGIN TRIES` or
 *   `FAILED LOGIN SESSION`) after pam_unix's: login's pam_unix failure counts only when no login line names its
 *   address (login may log the name as `UNKNOWN`, so by address alone).
 * Lines of one connection split across two reads are settled against the store by recordAttempts.
 */
export function dedupeAttempts(events: AuthEvent[]): AuthEvent[] {
  const accepted = new Set(
    events.filter((event) => event.type === 'accepted').map((event) => `${connection(event)}|${event.user}`),
  );
  const kept = events.filter(
    (event) =>
      !(
        event.type === 'failed_password' &&
        event.method === 'publickey' &&
        accepted.has(`${connection(event)}|${event.user}`)
      ),
  );
  const failures = kept.filter((event) => event.type === 'failed_password');
  const failedConnections = new Set(failures.map(connection));
  const failedAccounts = new Set(failures.map(account));
  const failedIps = new Set(failures.map((event) => event.sourceIp));
  const loggedIn = new Set(kept.filter((event) => event.type === 'accepted').map(account));
  const loginFailureIps = new Set(
    kept.filter((event) => event.type === 'failed_login' && event.sourceIp).map((event) => event.sourceIp),
  );
  const sameAttempt = (event: AuthEvent) =>
    event.port === undefined ? failedAccounts.has(account(event)) : failedConnections.has(connection(event));
  const limited = new Set<string>();
  return kept.filter((event) => {
    if (event.type === 'invalid_user' || event.type === 'refused') return !sameAttempt(event);
    if (event.type === 'pam_auth_failure' && /^sshd/.test(event.method ?? ''))
      return !failedIps.has(event.sourceIp) && !loggedIn.has(account(event));
    if (event.type === 'pam_auth_failure' && event.program === 'login') return !loginFailureIps.has(event.sourceIp);
    if (event.type === 'max_auth_attempts') {
      if (failedConnections.has(connection(event)) || limited.has(connection(event))) return false;
      limited.add(connection(event));
    }
    return true;
  });
}

const ANNOUNCEMENTS = ['invalid_user', 'refused', 'max_auth_attempts'];

/**
 * Stores this cycle's events (already deduplicated among themselves) and settles them against the connections
 * stored in earlier cycles, so where the reader cut between two lines of one connection changes no count:
 * a `Failed` line replaces the stored announcements and limit of its connection; an announcement or limit whose
 * connection already has its failures (or its limit) is not stored; `Accepted publickey` forgives the stored
 * `Failed publickey` lines of its connection. Returns the events kept.
 */
export function recordAttempts(
  store: MonitorStore,
  events: AuthEvent[],
  at: number,
  windowSeconds: number,
): AuthEvent[] {
  const since = at - windowSeconds * 1000;
  const kept: AuthEvent[] = [];
  store.transaction(() => {
    for (const event of events) {
      const ip = event.sourceIp;
      if (ip && event.port !== undefined) {
        const port = event.port;
        if (event.type === 'failed_password') {
          store.forgetAuthEvents(since, ip, ANNOUNCEMENTS, { port });
          if (event.user !== undefined)
            store.forgetAuthEvents(since, ip, ['invalid_user', 'refused'], { user: event.user, portless: true });
        } else if (ANNOUNCEMENTS.includes(event.type)) {
          const covering =
            event.type === 'max_auth_attempts' ? ['failed_password', 'max_auth_attempts'] : ['failed_password'];
          if (store.connectionEvents(since, ip, port, covering) > 0) continue;
        } else if (event.type === 'accepted' && event.method === 'publickey') {
          store.forgetAuthEvents(since, ip, ['failed_password'], { port, method: 'publickey', user: event.user });
        }
      }
      const eventTime = event.time ? Date.parse(event.time) : Number.NaN;
      // A timestamp we cannot trust (absent, or in the future by more than a day: clock skew) counts as "now".
      store.addAuthEvent(Number.isNaN(eventTime) || eventTime > at + 86_400_000 ? at : eventTime, event);
      kept.push(event);
    }
  });
  return kept;
}
