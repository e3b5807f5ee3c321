// Lua 5.4: highlighted by CodeMirror's legacy Lua mode (loaded on demand), run by wasmoon (the reference Lua
// interpreter compiled to WebAssembly) in a module worker (lua-worker.js), on a fresh Lua state at every run.
//
// Why Lua (wasmoon 1.16, Lua 5.4) rather than Ruby (@ruby/3.4-wasm-wasi 2.10) or PHP (@php-wasm/web, 8.4),
// measured here (docs/PERFORMANCE.md, "The third runtime", has the table):
// - size: wasmoon is 95 kB of wasm + 34 kB of JS, brotli as served; Ruby's interpreter with its standard
//   library is 7.0 MB (3.7 MB without it), PHP 8.4's 6.5 MB: 50 times more for the candidate to wait on;
// - start-up: wasmoon is ready ~tens of ms after its worker starts, and a fresh worker after Stop as fast;
//   a 17-30 MB wasm takes seconds to compile on a 2-core laptop, and Stop (which must terminate the worker:
//   none of the three can be interrupted from the page) would pay that again every time;
// - maturity: wasmoon is MIT, builds the official Lua sources, and has shipped 35 releases since 2021; ruby.wasm
//   is MIT and maintained by Ruby core, php-wasm (WordPress Playground) is GPL-2.0 and ships a release a week,
//   but both carry far more than an interview needs (WASI shims, a web server).
// Lua is a real interview language too (game studios, embedded scripting, Redis and nginx work), and simple to
// read for an interviewer who does not write it.
// Standard input: io.read, io.lines() and io.stdin read the Input box's text (lua-run.js), as a file would be
// read; there is no waiting for a line typed mid-run.
import { workerUrl } from "./worker-urls.js";

export const lua = {
  id: "lua",
  label: "Lua",
  fileExtension: ".lua",
  workerUrl: () => workerUrl("lua"),
  indentUnit: "  ",
  loadSupport: () => import("./lua-support.js"),
  // A busy loop cannot be interrupted: Stop terminates the worker and starts a fresh one (a few tens of ms).
  interruptible: false,
  interactiveInput: false, // io.read reads the Input box only
  inputReader: "io.read",
  loadingText: "Loading Lua…",
};
