// Integrity signals summed up per person, in words (the hosts' Signals tab and playback): counts and sizes, never a
// judgement (docs/INTEGRITY.md).

const number = (n) => Math.round(n).toLocaleString("en-US");
const plural = (n, one, many = `${one}s`) => `${number(n)} ${n === 1 ? one : many}`;

/** "4 min 10 s", "3 s", "1 h 2 min". */
export function formatSpan(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return min ? `${h} h ${min} min` : `${h} h`;
  if (min) return s ? `${min} min ${s} s` : `${min} min`;
  return `${s} s`;
}

/** Per participant id: {participant, name, pastes, external, largest, awayMs, awaySpans, bursts, runs, firstOkAt}. */
export function summarise(events, runs) {
  const people = new Map();
  const person = (id, name) => {
    if (!people.has(id)) {
      people.set(id, { participant: id, name, pastes: 0, external: 0, largest: 0, awayMs: 0, awaySpans: 0, bursts: 0,
        runs: 0, firstOkAt: null });
    }
    const summary = people.get(id);
    if (name) summary.name = name;
    return summary;
  };
  for (const event of events) {
    const summary = person(event.participant, event.name);
    if (event.kind === "paste") {
      summary.pastes += 1;
      summary.external += event.external ? 1 : 0;
      summary.largest = Math.max(summary.largest, event.chars);
    } else if (event.kind === "away") {
      summary.awayMs += event.ms;
      summary.awaySpans += 1;
    } else if (event.kind === "burst") {
      summary.bursts += 1;
    }
  }
  for (const run of [...runs].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at))) {
    const summary = person(run.participant, run.name);
    summary.runs += 1;
    if (run.status === "ok" && summary.firstOkAt === null) summary.firstOkAt = Date.parse(run.started_at);
  }
  return people;
}

/** The lines of one person's summary, e.g. ["3 pastes (2 from outside the pad), largest 1,240 characters", …]. */
export function summaryLines(summary) {
  const { pastes, external, largest, awayMs, awaySpans, bursts, runs, firstOkAt } = summary;
  return [
    pastes ? `${plural(pastes, "paste")}${external ? ` (${number(external)} from outside the pad)` : ""}, largest ${plural(largest, "character")}`
      : "No pastes",
    awaySpans ? `Away ${formatSpan(awayMs)} in ${plural(awaySpans, "span")}` : "Never away from the tab",
    bursts ? `${plural(bursts, "typing burst")} far above their own rate` : "No typing bursts",
    runs ? `${plural(runs, "run")}${firstOkAt === null ? ", none without an error yet"
      : `, first working run at ${new Date(firstOkAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`}`
      : "No runs",
  ];
}
