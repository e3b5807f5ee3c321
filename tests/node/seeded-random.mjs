// A seeded PRNG (mulberry32) for the Node tests, so a failure names a reproducible case.

/** Numbers in [0, 1) from `seed`, the same sequence every time. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One item of `list`, chosen by `rand`. */
export const pick = (rand, list) => list[Math.floor(rand() * list.length)];
