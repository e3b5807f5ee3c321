// Lua 5.4: highlighted by CodeMirror's legacy Lua mode (loaded on demand), run by wasmoon (the reference Lua
// interpreter compiled to WebAssembly) in a module worker (lua-worker.js), on a fresh Lua state at every run.
//
// Why Lua (wasmoon 1.16, Lua 5.4) rather than Ruby (@ruby/3.4-wasm-wasi 2.10) or PHP (@php-wasm/web, 8.4),
// measured here (docs/PERFORMANCE.md, "Lua", has the tables):
// - size: wasmoon is 95 kB of wasm + 34 kB of JS, brotli as served; Ruby's interpreter with its standard
//   library is 7.0 MB (3.7 MB without it), PHP 8.4's 6.5 MB: 50 times more for the candidate to wait on;
// - start-up: Lua's wasm compiles in ~13 ms in a Chromium worker here and the worker is ready ~70 ms after it
//   starts; Ruby's and PHP's 17-30 MB wasm take 220-250 ms to compile on loopback, before their own boot, after
//   a download of 4-7 MB; and Stop, which ends a runaway program by terminating the worker (as for JavaScript
//   and SQL), would pay for that compile again every time;
// - maturity: wasmoon is MIT, builds the official Lua 5.4 sources, and has 35 versions on npm (1.0.18 to 1.16.0);
//   ruby.wasm (MIT) is maintained by Ruby core and php-wasm (GPL-2.0-or-later, WordPress Playground) ships
//   weekly, but both carry far more than an interview needs (WASI shims, a web server's SAPI).
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
