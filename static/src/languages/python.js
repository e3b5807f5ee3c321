// Python: highlighted by @codemirror/lang-python (loaded on demand), run by Pyodide in a module worker.
import { workerUrl } from "./worker-urls.js";

export const python = {
  id: "python",
  label: "Python",
  fileExtension: ".py",
  workerUrl: () => workerUrl("python"),
  indentUnit: "    ",
  loadSupport: () => import("./python-support.js"),
  // A SharedArrayBuffer interrupt raises KeyboardInterrupt (when the page is cross-origin isolated).
  interruptible: true,
  // input() can wait for a line typed on the page (SharedArrayBuffer + Atomics).
  interactiveInput: true,
  inputReader: "input()", // what reads the Input box, as the box's placeholder names it
  loadingText: "Loading Python…",
};
