// Builds the browser bundles into static/dist/ and copies Pyodide's core into static/pyodide/.
// Offline after `npm ci`: everything comes from node_modules.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const staticDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(staticDir);
const distDir = join(staticDir, "dist");
const pyodideDir = join(staticDir, "pyodide");
const PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

const started = Date.now();
await rm(distDir, { recursive: true, force: true });
await mkdir(pyodideDir, { recursive: true });

await build({
  entryPoints: {
    landing: join(staticDir, "src/landing.js"),
    session: join(staticDir, "src/session.js"),
    "python-worker": join(staticDir, "src/python-worker.js"),
    "js-worker": join(staticDir, "src/js-worker.js"),
    style: join(staticDir, "src/style.css"),
  },
  outdir: distDir,
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: "es2020",
  // Pyodide's loader imports Node built-ins (and "ws") only when it runs under Node: dead code here.
  external: ["node:*", "ws"],
  logLevel: "warning",
});

await Promise.all(
  PYODIDE_FILES.map((name) => copyFile(join(root, "node_modules/pyodide", name), join(pyodideDir, name))),
);

console.log(`built static/dist/ and static/pyodide/ in ${Date.now() - started} ms`);
