// The page's side of code-tools-worker.js: one worker for formatting and lint, started on the first request,
// its pending calls keyed by id. A worker that fails to load or crashes fails what it was asked, and the next
// request starts a fresh one.
import { workerUrl } from "../languages/worker-urls.js";

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
  const current = new Worker(workerUrl("codeTools"), { type: "module", name: "code-tools" });
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
