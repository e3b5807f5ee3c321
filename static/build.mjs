// Builds the browser bundles into static/dist/ and copies Pyodide's core into static/pyodide/.
// Offline after `npm ci`: everything comes from node_modules.
//
// static/dist/: content-hashed names ("session-3FZK2QXA.js"), listed in dist/manifest.json (logical name ->
// {file, imports}), which the server's templates read. The pages' code is split (shared chunks, language
// support loaded on demand); each worker is one file, since the JavaScript runner's policy lets it load nothing.
// static/pyodide/: Pyodide's own names (its loader asks for them), with a standard library whose startup modules
// are precompiled (build-stdlib.mjs), and Python's start-up snapshot (build-snapshot.mjs). Every JS/CSS/wasm/zip/json/bin
// file gets .br and .gz copies beside it.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { SNAPSHOT_FILE, pythonSnapshot } from "./build-snapshot.mjs";
import { pythonIndex } from "./build-python-index.mjs";
import { compiledStdlib } from "./build-stdlib.mjs";

const staticDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(staticDir);
const srcDir = join(staticDir, "src");
const distDir = join(staticDir, "dist");
const pyodideDir = join(staticDir, "pyodide");
const cacheDir = join(root, "node_modules/.cache/interview-pad");
const PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json"];
const COMPRESSIBLE = /\.(m?js|css|wasm|zip|json|bin)$/;
// Brotli 11 is the smallest but slow on big files (~25-50 s for the 9.6 MB wasm here): files above this
// size get quality 9 (~13% larger, 5x faster). Compressed copies of big files are cached by content, so only
// the first build after an upgrade pays for them. Python's start-up snapshot gets 11 all the same: 3.2 MB
// instead of 3.7 on every cold start, for ~30 s once.
const BROTLI_MAX_QUALITY_BYTES = 2 * 1024 * 1024;
const BROTLI_MAX_QUALITY_ALWAYS = new Set([SNAPSHOT_FILE]);
const CACHE_MIN_BYTES = 256 * 1024;
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

const started = Date.now();
await rm(distDir, { recursive: true, force: true });
await mkdir(pyodideDir, { recursive: true });

const common = {
  outdir: distDir,
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: "es2020",
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  metafile: true,
  // Pyodide's loader imports Node built-ins (and "ws") only when it runs under Node: dead code here.
  external: ["node:*", "ws"],
  // true in the offline export's build only (static/src/playback/player.js leaves JavaScript highlighting out).
  define: { PLAYBACK_EXPORT: "false" },
  logLevel: "warning",
};
// @replit/codemirror-emacs marks the calls that fill its key table `/*@__PURE__*/` and says it has no side effects:
// esbuild then drops them and Emacs mode binds no key. Its file is read without those two marks.
const emacsKeyTable = {
  name: "emacs-key-table",
  setup(build) {
    build.onLoad({ filter: /@replit[\\/]codemirror-emacs[\\/]dist[\\/]index\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, "utf8")).replaceAll("/*@__PURE__*/EmacsHandler.", "EmacsHandler."),
      loader: "js",
    }));
  },
};
// The Python completions' index (build-python-index.mjs) as the module "python-stdlib-index", which
// static/src/completion/index.js imports on demand: a chunk of its own, JSON.parse'd (quicker than a literal).
const pythonIndexJson = pythonIndex(join(root, "node_modules/pyodide"), cacheDir).then(({ json }) => json);
const pythonIndexModule = {
  name: "python-index",
  setup(build) {
    build.onResolve({ filter: /^python-stdlib-index$/ }, () => ({ path: "python-stdlib-index", namespace: "python-index" }));
    build.onLoad({ filter: /.*/, namespace: "python-index" }, async () =>
      ({ contents: `export default JSON.parse(${JSON.stringify(await pythonIndexJson)});`, loader: "js" }));
  },
};
const [pages, admin, workers, codeTools, exportPlayer] = await Promise.all([
  build({
    ...common,
    entryPoints: ["landing.js", "session.js", "session-full.js", "start-runtime.js", "lti.js", "style.css", "report.css"].map((name) => join(srcDir, name)),
    splitting: true,
    plugins: [emacsKeyTable, pythonIndexModule],
  }),
  // The admin dashboard: a build of its own, so the modules it shares with the editor (dialogs, downloads) do not
  // move chunk boundaries of the editor's first load.
  build({ ...common, entryPoints: ["admin.js", "admin.css"].map((name) => join(srcDir, name)), splitting: false }),
  // SQLite's wasm (sql.js) and Lua's (wasmoon) are imported by their workers as files: each lands beside its
  // worker with a hashed name. wasmoon's loader, like Pyodide's, imports Node's "url" and "module" only under Node.
  // ts-worker.js carries js-worker.js's sandbox and sucrase: the JavaScript worker stays without the stripper.
  build({ ...common, entryPoints: ["python-worker.js", "js-worker.js", "ts-worker.js", "sql-worker.js", "lua-worker.js"].map((name) => join(srcDir, name)),
    loader: { ".wasm": "file" }, assetNames: "[name]-[hash]", external: [...common.external, "url", "module"] }),
  // The editor's code tools (format and lint): one worker whose tools are chunks it imports on first use, so a
  // Python session loads Ruff's wasm and never Prettier (~390 kB gzip of JavaScript), nor a JavaScript one Ruff.
  build({ ...common, entryPoints: [join(srcDir, "code-tools", "code-tools-worker.js")], splitting: true,
    loader: { ".wasm": "file" }, assetNames: "[name]-[hash]", external: [...common.external, "url", "module"] }),
  // The offline export's player: one classic script and one stylesheet, both inlined into an HTML file
  // opened from file:// (no modules, no chunks, nothing fetched).
  build({ ...common, entryPoints: [join(srcDir, "export-player.js")], format: "iife", splitting: false, sourcemap: false,
    define: { PLAYBACK_EXPORT: "true" } }),
]);
const manifest = manifestOf([pages.metafile, admin.metafile, workers.metafile, codeTools.metafile, exportPlayer.metafile]);
await writeFile(join(distDir, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);

await Promise.all(PYODIDE_FILES.map(async (name) =>
  writeIfChanged(join(pyodideDir, name), await readFile(join(root, "node_modules/pyodide", name)))));
await writeIfChanged(join(pyodideDir, "python_stdlib.zip"),
  await compiledStdlib(join(root, "node_modules/pyodide"), cacheDir));
// Made from the files just written (the snapshot fits only that wasm and that standard library).
const snapshot = await pythonSnapshot(pyodideDir, join(root, "node_modules/pyodide"), cacheDir);
if (snapshot) await writeIfChanged(join(pyodideDir, SNAPSHOT_FILE), snapshot);
else await Promise.all(["", ".br", ".gz"].map((suffix) => rm(join(pyodideDir, SNAPSHOT_FILE + suffix), { force: true })));

const compressed = await compressAll([distDir, pyodideDir]);
console.log(`built static/dist/ and static/pyodide/ (${compressed} .br/.gz pairs) in ${Date.now() - started} ms`);

/** Logical name (path under static/src) -> {file: hashed name under dist/, imports: chunks it loads at once}. */
function manifestOf(metafiles) {
  const manifest = {};
  for (const metafile of metafiles) {
    for (const [output, info] of Object.entries(metafile.outputs)) {
      if (!info.entryPoint || output.endsWith(".map")) continue;
      const logical = relative(srcDir, join(root, info.entryPoint)).split("\\").join("/");
      manifest[logical] = {
        file: basename(output),
        imports: info.imports.filter((i) => i.kind === "import-statement").map((i) => basename(i.path)),
      };
      // The CSS a script entry imports comes out beside it (export-player.js -> export-player.css).
      if (info.cssBundle) manifest[logical.replace(/\.js$/, ".css")] = { file: basename(info.cssBundle), imports: [] };
    }
  }
  return manifest;
}

/** Writes name.br and name.gz beside every compressible file; returns how many files got them. */
async function compressAll(dirs) {
  await mkdir(cacheDir, { recursive: true });
  const files = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir)) if (COMPRESSIBLE.test(name)) files.push(join(dir, name));
  }
  // Biggest first, so the slow ones overlap the rest (zlib's async calls run on libuv's thread pool).
  const sized = await Promise.all(files.map(async (path) => ({ path, data: await readFile(path) })));
  sized.sort((a, b) => b.data.length - a.data.length);
  await Promise.all(sized.map(({ path, data }) => compressFile(path, data)));
  return sized.length;
}

async function compressFile(path, data) {
  const quality = data.length > BROTLI_MAX_QUALITY_BYTES && !BROTLI_MAX_QUALITY_ALWAYS.has(basename(path)) ? 9 : 11;
  const key = createHash("sha256").update(data).digest("hex").slice(0, 32);
  const variants = {
    ".br": () => brotli(data, { params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    } }),
    ".gz": () => gzip(data, { level: 9 }),
  };
  for (const [suffix, make] of Object.entries(variants)) {
    if (data.length < CACHE_MIN_BYTES) {
      await writeIfChanged(path + suffix, await make());
      continue;
    }
    const cached = join(cacheDir, `${key}-q${quality}${suffix}`);
    let bytes = await readFile(cached).catch(() => null);
    if (!bytes) {
      bytes = await make();
      await writeFile(cached, bytes);
    }
    await writeIfChanged(path + suffix, bytes);
  }
}

/** Leaves an identical file alone, so its modification time (and the server's ETag for it) stays. */
async function writeIfChanged(path, bytes) {
  const current = await readFile(path).catch(() => null);
  if (!current || !current.equals(bytes)) await writeFile(path, bytes);
}
