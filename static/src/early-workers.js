// Workers started while the page's own code is still loading (start-runtime.js), so that Pyodide downloads
// and starts in parallel with the editor; the runner adopts them (runner.js).
const early = new Map(); // language id -> {worker, events, keep}
const claimed = new Set(); // languages the runner has started: too late to start one here

/** Starts language `id`'s worker from `url` now, keeping what it says until the runner takes it. */
export function startWorker(id, url) {
  if (early.has(id) || claimed.has(id)) return;
  const worker = new Worker(url, { type: "module", name: id });
  const events = [];
  const keep = (event) => {
    if (event.type === "error") event.preventDefault(); // reported by the runner, when it takes the worker
    events.push(event);
  };
  worker.addEventListener("message", keep);
  worker.addEventListener("error", keep);
  early.set(id, { worker, events, keep });
}

/** The worker started early for `id` and the events it has sent so far (to replay), or null; taken once. */
export function takeWorker(id) {
  claimed.add(id);
  const entry = early.get(id);
  if (!entry) return null;
  early.delete(id);
  entry.worker.removeEventListener("message", entry.keep);
  entry.worker.removeEventListener("error", entry.keep);
  return { worker: entry.worker, events: entry.events };
}
