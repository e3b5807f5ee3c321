// Latencies in 0.1 ms buckets: exact to merge across worker threads, small to post between them.
const PER_MS = 10;

export class Histogram {
  constructor(counts = {}) {
    this.counts = new Map(Object.entries(counts).map(([bucket, n]) => [Number(bucket), n]));
  }

  add(ms) {
    const bucket = Math.floor(ms * PER_MS);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
  }

  merge(other) {
    for (const [bucket, n] of other.counts) this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
  }

  get n() {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** The latency at `fraction` (0.5, 0.99) in ms, to 0.1 ms; null if empty. */
  percentile(fraction) {
    const total = this.n;
    if (!total) return null;
    const rank = fraction * total;
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket);
      if (seen >= rank) return (bucket + 1) / PER_MS;
    }
    return null;
  }

  max() {
    let top = -1;
    for (const bucket of this.counts.keys()) if (bucket > top) top = bucket;
    return top >= 0 ? (top + 1) / PER_MS : null;
  }

  toJSON() {
    return Object.fromEntries(this.counts);
  }
}
