// How the dashboard writes numbers, sizes and times.

/** A text's length: 70 -> "70 chars", 15360 -> "15.4k chars". */
export function characters(count) {
  if (count < 1000) return `${count} chars`;
  if (count < 1_000_000) return `${(count / 1000).toFixed(1)}k chars`;
  return `${(count / 1_000_000).toFixed(1)}M chars`;
}

/** An ISO time as "3 min ago" (against `now`, ms). */
export function ago(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** An ISO time as the browser's local date and time, to the minute. */
export function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A number for a chart's label: at most one decimal, none for whole numbers. */
export function figure(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 1 : 0);
}
