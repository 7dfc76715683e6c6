/** What the policy asks a blocker to do: block one IP or CIDR for one incident, until an expiry. */
export interface BlockRequest {
  target: string;
  incidentId: number;
  reason: string;
  /** ISO time, or null for no expiry. */
  expiresAt: string | null;
}

/** The exact change a blocker would make, shown for review before it is applied. */
export interface BlockPlan {
  blocker: string;
  /** Human-readable object the change lands in (a file path, `Middleware traefik/denylist`...). */
  object: string;
  /** Unified-style diff of the change ('' when nothing would change). */
  diff: string;
  /** True when the target is already blocked (applying changes nothing). */
  alreadyBlocked: boolean;
  /** Machine-readable patch for blockers that have one (JSON patch for Kubernetes). */
  patch?: unknown;
}

export type ActionResult =
  | { status: 'applied'; detail: string }
  /**
   * Nothing to change. `preexisting: true` when the entry that already blocks the target is not the agent's (a human
   * added it): the agent then records no ownership, so it never expires or removes that entry.
   */
  | { status: 'unchanged'; detail: string; preexisting?: boolean }
  | { status: 'failed'; error: string; isRetryable: boolean };

/** A way to enforce a block. apply() is idempotent; revert() removes only what the agent itself added. */
export interface Blocker {
  readonly kind: string;
  plan(request: BlockRequest): Promise<BlockPlan>;
  apply(request: BlockRequest): Promise<ActionResult>;
  revert(target: string): Promise<ActionResult>;
  /**
   * Makes the enforcement point valid before the first block, called when the daemon starts (the Traefik file blocker
   * writes its middleware with an empty list: a router referencing a missing middleware answers 404 to everybody).
   * Idempotent; 'unchanged' when nothing had to be written.
   */
  prepare?(): Promise<ActionResult>;
}
