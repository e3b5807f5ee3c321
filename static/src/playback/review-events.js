// The hosts' history's integrity signals and comments as timeline events (timeline.js adds them to its events, so
// the playhead stops at each): a paste or a burst at its time, time away as its start (at - ms) and its end (at),
// and each comment at its time. No DOM.

/** Events {at, kind: "signal", index, phase: "at" | "start" | "end"} and {at, kind: "comment", index, comment}. */
export function reviewEvents(history) {
  const events = [];
  (Array.isArray(history.integrity) ? history.integrity : []).forEach((signal, index) => {
    if (!signal || typeof signal.at !== "number") return;
    if (signal.kind === "away" && typeof signal.ms === "number") {
      events.push({ at: signal.at - signal.ms, kind: "signal", index, phase: "start" });
      events.push({ at: signal.at, kind: "signal", index, phase: "end" });
    } else {
      events.push({ at: signal.at, kind: "signal", index, phase: "at" });
    }
  });
  (Array.isArray(history.comments) ? history.comments : []).forEach((thread, index) => {
    (thread?.comments ?? []).forEach((comment, number) => {
      if (typeof comment?.at === "number") events.push({ at: comment.at, kind: "comment", index, comment: number });
    });
  });
  return events;
}
