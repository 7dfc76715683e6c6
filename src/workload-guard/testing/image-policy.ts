// Test helper: the image policy with every knob at its permissive default (minor bumps, any registry, no known tags),
// so that a test names only the knob it exercises.
import type { ImagePolicy } from '../image-policy.ts';

export const imagePolicy = (overrides: Partial<ImagePolicy> = {}): ImagePolicy => ({
  allowedBump: 'minor',
  allowedRegistries: [],
  knownTags: {},
  requireKnownTag: false,
  applicationPackages: {},
  ...overrides,
});
