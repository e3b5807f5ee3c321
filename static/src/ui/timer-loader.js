// Loads the interview timer (ui/interview-timer.js) only when there is one to show (the first `timer` with a
// timer set) or a host's controls to add, and hands it the latest `timer` message. Tiny: every page loads it.

/** Returns {addControls(bar, ask)} for a host's page. */
export function timerLoader({ connection, mount, toast }) {
  let loading = null;
  let latest = null; // the last `timer` message's data
  const load = () => (loading ??= import("./interview-timer.js").then(({ InterviewTimer }) => {
    const timer = new InterviewTimer({ connection, mount, toast });
    if (latest) timer.receive(latest);
    return timer;
  }));
  connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
    if (type !== "timer") return;
    latest = data;
    if (data.timer) load();
  });
  return { addControls: (bar, ask) => load().then((timer) => timer.addControls(bar, ask)) };
}
