// The charts' data: the page polls the overview and turns each pair of metric snapshots into rates and means.

import { Sparkline } from "./sparkline.js";

export const SAMPLES = 60; // one poll every 5 s: the last 5 minutes

/**
 * Each chart: its label, unit, and its value from two snapshots (`before` may be null) `seconds` apart.
 * @type {Array<[string, string, (now: Record<string, number>, before: Record<string, number> | null, seconds: number) => number | null]>}
 */
const CHARTS = [
  ["Connections", "", (now) => now.interview_connections],
  ["Live sessions", "", (now) => now.interview_live_sessions],
  ["Messages in", "/s", (now, before, seconds) => rate(now, before, seconds, "interview_messages_received_total")],
  ["Messages out", "/s", (now, before, seconds) => rate(now, before, seconds, "interview_messages_sent_total")],
  ["Push acknowledged", "ms", (now, before) => mean(now, before, "interview_push_ack_seconds")],
  ["Store commit", "ms", (now, before) => mean(now, before, "interview_store_commit_seconds")],
  ["Errors", "/min", (now, before, seconds) => rate(now, before, seconds / 60, "interview_errors_total")],
  ["Event loop lag", "ms", (now, before) => mean(now, before, "interview_event_loop_lag_seconds")],
];

function rate(now, before, seconds, name) {
  if (!before || seconds <= 0) return null;
  return Math.max(0, (now[name] ?? 0) - (before[name] ?? 0)) / seconds;
}

function mean(now, before, name) {
  if (!before) return null;
  const count = (now[`${name}_count`] ?? 0) - (before[`${name}_count`] ?? 0);
  return count > 0 ? (((now[`${name}_sum`] ?? 0) - (before[`${name}_sum`] ?? 0)) / count) * 1000 : null;
}

export class MetricHistory {
  constructor(container) {
    this.charts = CHARTS.map(([label, unit, value]) => ({ chart: new Sparkline(container, label, unit), value, samples: [] }));
    this.previous = null;
    this.instance = "";
  }

  /** Add one snapshot (the overview's `metrics`) taken at `at` (ms) on `instance`, and redraw. */
  add(snapshot, at, instance) {
    if (instance !== this.instance) this.previous = null; // behind a load balancer another instance may answer
    this.instance = instance;
    const seconds = this.previous ? (at - this.previous.at) / 1000 : 0;
    for (const entry of this.charts) {
      entry.samples.push(entry.value(snapshot, this.previous?.snapshot ?? null, seconds) ?? null);
      if (entry.samples.length > SAMPLES) entry.samples.shift();
      entry.chart.draw(entry.samples, SAMPLES);
    }
    this.previous = { snapshot, at };
  }
}
