// The page's side of code-tools-worker.js: one worker for formatting and lint, started on the first request,
// its pending calls keyed by id. A worker that fails to load or crashes fails what it was asked, and the next
// request starts a fresh one.

let worker = null;
let nextId = 1;
const pending = new Map(); // id -> {resolve, reject}

/** Sends `request` ({type, language, text}) to the worker; resolves with its answer, rejects with its error. */
export function ask(request) {
  if (!worker) start();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...request, id });
  });
}

function start() {
  // Its hashed name, from the page (templates/_workspace_parts.html worker_urls). Read here rather than through
  // languages/worker-urls.js: a module this lazy code shared with the first load would leave the first load's
  // files for a chunk of its own.
  const url = /** @type {HTMLElement} */ (document.querySelector("main[data-session-id]")).dataset.workerCodeTools;
  const current = new Worker(url, { type: "module", name: "code-tools" });
  worker = current;
  current.addEventListener("message", ({ data }) => {
    const call = pending.get(data.id);
    if (!call) return;
    pending.delete(data.id);
    if (data.error === undefined) call.resolve(data);
    else call.reject(Object.assign(new Error(data.error), { syntax: Boolean(data.syntax) }));
  });
  current.addEventListener("error", (event) => {
    event.preventDefault();
    if (worker !== current) return;
    worker = null;
    current.terminate();
    for (const call of pending.values()) call.reject(new Error(`the code tools did not load (${event.message || "worker error"})`));
    pending.clear();
  });
}
