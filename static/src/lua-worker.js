// Module worker that runs Lua 5.4 with wasmoon (Lua compiled to WebAssembly): each run on a fresh Lua state
// (lua-run.js), reading the Input box's text as standard input. A run cannot be interrupted from outside (the
// thread is busy in Lua): Stop and the time limit terminate this worker and start a fresh one.
import { LuaFactory } from "wasmoon";
// @ts-ignore: a file import (esbuild's file loader, static/build.mjs): its URL
import wasmFile from "wasmoon/dist/glue.wasm";
import { runLua } from "./lua-run.js";
import { OutputStream } from "./worker-output.js";

// esbuild's file loader gives the wasm's hashed name beside this script in static/dist/ (never wasmoon's
// default, a CDN).
const WASM_URL = new URL(wasmFile, import.meta.url).href;

const factory = new LuaFactory(WASM_URL);
let started = false;
const loading = factory
  .getLuaModule()
  .then(() => {
    started = true;
    performance.mark("lua-started"); // read by tests and bench/page_bench.py
    postMessage({ type: "ready" });
  })
  .catch((error) => postMessage({ type: "load-error", message: String(error?.message ?? error) }));

self.addEventListener("message", async ({ data }) => {
  if (data.type !== "run") return;
  await loading;
  if (!started) return;
  const begun = performance.now();
  const output = new OutputStream(data.id);
  let status;
  try {
    status = await runLua(factory, { code: String(data.code ?? ""), stdin: String(data.stdin ?? "") }, (stream, text) =>
      output.write(stream, text));
  } catch (error) {
    // Lua's own failures (out of memory) and the wasm's (a trap) alike.
    output.writeFinal("stderr", `${error?.message ?? error}\n`);
    status = "error";
  }
  output.flush();
  postMessage({ type: "done", id: data.id, status, ms: Math.round(performance.now() - begun) });
});
