import { z } from 'zod';
import { duration } from '../config/duration.ts';

/** Settings every notifier accepts, next to its `kind`. */
export const commonNotifierSettings = {
  /** A label for logs and for choosing channels (`ops`, `security`); defaults to the kind. */
  name: z.string().min(1).optional(),
  timeout: duration().default(10),
  max_retries: z.number().int().min(0).max(10).default(3),
};

/** Things a factory may be given besides settings (tests inject a sleep that advances a fake clock). */
export interface NotifierOptions {
  sleep?: (milliseconds: number) => Promise<void>;
}

export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
