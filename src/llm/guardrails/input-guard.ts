import type { Config } from '../../config/schema.ts';
import { redactDeep, redactSecrets } from '../../core/redact.ts';
import { capJson, fenceData } from './fence-data.ts';
import { detectInjection, type InjectionFlag } from './injection-detector.ts';

/** Untrusted data ready for a prompt: redacted, capped, fenced, with what the scan found. */
export interface GuardedData {
  fenced: string;
  flags: InjectionFlag[];
  truncated: boolean;
  /** input_policy `block` and something was flagged: the caller must not send this. */
  blocked: boolean;
}

/** Applies the guardrails' input policy to data and tool outputs before they reach a model. */
export class InputGuard {
  readonly #settings: Config['guardrails'];

  constructor(settings: Config['guardrails']) {
    this.#settings = settings;
  }

  get settings(): Config['guardrails'] {
    return this.#settings;
  }

  guard(data: unknown, source: string): GuardedData {
    const { enabled, input_policy: policy, max_input_chars: maxChars } = this.#settings;
    const active = enabled && policy !== 'none';
    // Secrets are always removed (the audit and model must never see them); personal-data rules run in the same pass.
    const redacted = redactDeep(data);
    const flags = active ? detectInjection(redacted, source) : [];
    const { json, truncated } = active ? capJson(redacted, maxChars) : capJson(redacted, Number.MAX_SAFE_INTEGER);
    return {
      fenced: fenceData(json, source),
      flags,
      truncated,
      blocked: active && policy === 'block' && flags.length > 0,
    };
  }

  /** Trusted text written by us still goes through secret redaction (an operator may paste a token into a task). */
  trusted(text: string): string {
    return redactSecrets(text);
  }
}
