// Generated usage: per service, the days before the report refresh date of a user's last activity (-1 = never).
import { RandomStream, userRng } from './random-streams';
import { SERVICES } from './skus';
import type { Profile } from './users';

/** Probability that a user of the service uses it at all (given a licence). */
const SERVICE_USE = [0.95, 0.7, 0.55, 0.08, 0.12, 0.85];

/**
 * Per-service activity, in days before the report refresh date (-1 = never), SERVICES order. Skew: most users
 * active within a week, a tail inactive 30-365 days, some never active; disabled accounts mostly inactive.
 */
export function activityOf(seed: number, i: number, licensedMask: number, p: Profile): Int16Array {
  const r = userRng(seed, i, RandomStream.Activity);
  const out = new Int16Array(SERVICES.length).fill(-1);
  const c = r.float();
  let base: number;
  let spread: number;
  if (!p.enabled && p.kind === 'member') {
    if (c < 0.6) return out;
    base = 30 + r.int(336);
    spread = 60;
  } else if (p.kind === 'shared' || p.kind === 'room') {
    if (c < 0.5) return out;
    base = r.int(120);
    spread = 30;
  } else if (c < 0.62) {
    base = r.int(7);
    spread = 4;
  } else if (c < 0.77) {
    base = 7 + r.int(23);
    spread = 10;
  } else if (c < 0.92) {
    base = 30 + r.int(336);
    spread = 60;
  } else {
    return out;
  }
  for (let s = 0; s < SERVICES.length; s++) {
    const licensed = (licensedMask & (1 << s)) !== 0;
    if (!r.chance(licensed ? SERVICE_USE[s]! : 0.05)) continue;
    out[s] = Math.min(400, base + r.int(spread));
  }
  return out;
}
