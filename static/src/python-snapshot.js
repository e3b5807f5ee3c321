// Python's start-up snapshot: the file's layout, shared by the build, which writes it (static/build-snapshot.mjs,
// under Node), and the worker, which reads it (python-start.js).
//
// Layout: "IPS2", the header's length (uint32, little-endian), the header (JSON, UTF-8), then the 64 KiB pages of
// Pyodide's own memory snapshot (makeMemorySnapshot: mostly wasm memory) that hold anything but zeros, in order; the
// header lists them as runs. Two thirds of the memory is zeros: left out, the browser decodes and copies 12 MB
// instead of 31. The header also says what the snapshot was made with beyond the wasm, which Pyodide checks itself
// (a build id): the standard library zip (the snapshot's import caches hold offsets into that very file) and the
// environment.

/** Where the worker finds it, beside Pyodide's files. */
export const SNAPSHOT_FILE = "pyodide-snapshot.bin";

/**
 * How Python starts: its environment and sys.executable. A snapshot holds those it was made with, so the worker and
 * the build share them. LANG is set, else it would be the browser's language in a normal start and Node's "C" in a
 * snapshot; the program name is what Emscripten uses in a browser.
 */
export const PYTHON_ENV = Object.freeze({ PYTHON_COLORS: "0", NO_COLOR: "1", LANG: "C.UTF-8" });
export const PYTHON_PROGRAM = "./this.program";

const MAGIC = "IPS2";
const PAGE = 65536;
// The image's first bytes (Pyodide's magic number and build id) are put in last: an image read before it is whole
// fails Pyodide's own check instead of restoring half a memory.
const GUARD = 48;

/**
 * What a snapshot was made with (`pyodide`: its version; `stdlib`: stdlibFingerprint of the zip), and the image's
 * length and pages kept (runs of [first page, count]).
 * @typedef {{pyodide: string, stdlib: string, env: Record<string, string>, size: number, runs: number[][]}} SnapshotHeader
 */

/**
 * The file's bytes: `about` (what it was made with) and Pyodide's snapshot `image`, its zero pages left out.
 * @param {Omit<SnapshotHeader, "size" | "runs">} about
 * @param {Uint8Array} image
 */
export function packSnapshot(about, image) {
  const runs = [];
  let kept = 0;
  for (let page = 0; page * PAGE < image.length; page++) {
    if (image.subarray(page * PAGE, (page + 1) * PAGE).every((byte) => byte === 0)) continue;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === page) last[1]++;
    else runs.push([page, 1]);
    kept += Math.min(PAGE, image.length - page * PAGE);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...about, size: image.length, runs }));
  const bytes = new Uint8Array(8 + json.length + kept);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.set(json, 8);
  let at = 8 + json.length;
  for (const [first, count] of runs) {
    const run = image.subarray(first * PAGE, (first + count) * PAGE);
    bytes.set(run, at);
    at += run.length;
  }
  return bytes;
}

/**
 * Reads a snapshot file as it arrives: `header` and the whole-size `image` exist once the header is in (`started`),
 * and the image fills as chunks come (`push`); `finish` throws unless every byte came.
 */
export class SnapshotReader {
  constructor() {
    /** @type {SnapshotHeader | null} */
    this.header = null;
    /** @type {Uint8Array | null} */
    this.image = null;
    this.head = new Uint8Array(0); // bytes before the header is whole
    this.pages = []; // [image offset, length] still to fill, in file order
    this.filled = 0; // of pages[0]
    this.guard = new Uint8Array(GUARD); // the image's first bytes, until it is whole
  }

  get started() {
    return this.image !== null;
  }

  /** @param {Uint8Array} chunk */
  push(chunk) {
    if (!this.image) {
      const head = new Uint8Array(this.head.length + chunk.length);
      head.set(this.head);
      head.set(chunk, this.head.length);
      this.head = head;
      if (head.length < 8) return;
      if (new TextDecoder().decode(head.subarray(0, 4)) !== MAGIC) throw new Error("not a start-up snapshot");
      const length = new DataView(head.buffer).getUint32(4, true);
      if (head.length < 8 + length) return;
      const header = JSON.parse(new TextDecoder().decode(head.subarray(8, 8 + length)));
      this.header = header;
      this.image = new Uint8Array(header.size); // zeros, but where the pages go
      this.pages = header.runs.map(([first, count]) => [first * PAGE, Math.min(count * PAGE, header.size - first * PAGE)]);
      chunk = head.subarray(8 + length);
      this.head = new Uint8Array(0);
    }
    while (chunk.length) {
      if (!this.pages.length) throw new Error("the start-up snapshot is longer than its header says");
      const [offset, length] = this.pages[0];
      const part = chunk.subarray(0, length - this.filled);
      const at = offset + this.filled;
      this.image.set(part, at);
      if (at < GUARD) {
        const end = Math.min(GUARD, at + part.length);
        this.guard.set(this.image.subarray(at, end), at);
        this.image.fill(0, at, end);
      }
      this.filled += part.length;
      chunk = chunk.subarray(part.length);
      if (this.filled === length) {
        this.pages.shift();
        this.filled = 0;
      }
    }
  }

  finish() {
    if (!this.image || this.pages.length) throw new Error("the start-up snapshot is cut short");
    this.image.set(this.guard, 0);
    return { header: this.header, image: this.image };
  }
}

/**
 * The header and Pyodide's image, zeros put back; throws unless `bytes` is a whole snapshot file.
 * @param {Uint8Array} bytes
 */
export function unpackSnapshot(bytes) {
  const reader = new SnapshotReader();
  reader.push(bytes);
  return reader.finish();
}

/**
 * A zip file's fingerprint: the hex SHA-256 of its central directory, which lists every entry's name, offset, sizes
 * and CRC-32 (a few hundred kB to hash, not the whole file). Web Crypto: in workers and in Node.
 * @param {Uint8Array<ArrayBuffer>} zip
 */
export async function stdlibFingerprint(zip) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22; // the end-of-central-directory record, after at most a 64 KiB comment
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) {
    if (zip.length - end > 22 + 65535) return "not a zip";
    end--;
  }
  if (end < 0) return "not a zip";
  const size = view.getUint32(end + 12, true);
  const offset = view.getUint32(end + 16, true);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", zip.subarray(offset, offset + size)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
