// Python: highlighted by @codemirror/lang-python, run by Pyodide in a module worker.
import { python as pythonSupport } from "@codemirror/lang-python";

export const python = {
  id: "python",
  label: "Python",
  fileExtension: ".py",
  workerUrl: "/static/dist/python-worker.js",
  indentUnit: "    ",
  highlight: () => pythonSupport(),
  // A SharedArrayBuffer interrupt raises KeyboardInterrupt (when the page is cross-origin isolated).
  interruptible: true,
  // input() can wait for a line typed on the page (SharedArrayBuffer + Atomics).
  interactiveInput: true,
  inputReader: "input()", // what reads the Input box, as the box's placeholder names it
  loadingText: "Loading Python…",
};
