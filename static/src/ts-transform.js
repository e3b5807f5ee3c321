// TypeScript to JavaScript for the TypeScript worker: types stripped by sucrase, every position of the output
// mapped back to the TypeScript the person wrote. DOM-free (tests/support/ts_runner.mjs runs it in Node).
//
// Why sucrase 3.35 rather than esbuild-wasm 0.28 (measured here, brotli as served):
// - size: sucrase bundles to 201 kB of JS, 40 kB brotli, inside the worker; esbuild-wasm is a 14.0 MB wasm
//   (3.1 MB brotli) plus 14 kB of loader, which would make TypeScript the second-heaviest language after Python;
// - start-up: sucrase is ready when the worker's script has run; esbuild-wasm compiles its wasm first
//   (docs/PERFORMANCE.md, "TypeScript", has the figures);
// - lines: sucrase's typescript transform keeps every line where it was (enums and parameter properties
//   included), and its per-token source map gives the columns back; esbuild reprints the code;
// - what it does not do: check types (docs/LANGUAGES.md says why no checker is loaded) or lower syntax
//   (disableESTransforms: Chromium runs modern JavaScript as written).
import { transform } from "sucrase";

export const SOURCE_NAME = "main.ts";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A TypeScript syntax error, at a 1-based line and column of the TypeScript. */
export class TypeScriptSyntaxError extends SyntaxError {
  constructor(message, line, column) {
    super(message);
    this.name = "SyntaxError";
    this.line = line;
    this.column = column;
  }
}

/**
 * `code` with its types stripped, and `original(line, column)`, which maps a 1-based position of the
 * JavaScript to the TypeScript's. Throws TypeScriptSyntaxError for code sucrase cannot parse.
 * @param {string} code
 * @returns {{code: string, original: (line: number, column: number) => {line: number, column: number}}}
 */
export function stripTypes(code) {
  let result;
  try {
    result = transform(code, {
      transforms: ["typescript"],
      disableESTransforms: true,
      filePath: SOURCE_NAME, // needed for the source map; sucrase also puts it before its messages (taken off below)
      sourceMapOptions: { compiledFilename: SOURCE_NAME },
    });
  } catch (error) {
    const loc = /** @type {any} */ (error)?.loc;
    if (!loc) throw error;
    // sucrase says "Error transforming main.ts: Unexpected token (3:7)": the position is shown apart, as for
    // JavaScript.
    const message = String(/** @type {any} */ (error).message)
      .replace(/^Error transforming [^:]*: /, "")
      .replace(/ \(\d+:\d+\)$/, "");
    throw new TypeScriptSyntaxError(message, loc.line, loc.column);
  }
  const lines = decodeMappings(/** @type {any} */ (result.sourceMap).mappings);
  return { code: result.code, original: (line, column) => originalPosition(lines, line, column) };
}

/** Source map segments per generated line: [generated column, source line, source column], all 0-based. */
function decodeMappings(mappings) {
  const lines = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const text of mappings.split(";")) {
    const segments = [];
    let generatedColumn = 0;
    for (const segment of text.split(",")) {
      if (!segment) continue;
      const fields = decodeVlq(segment);
      generatedColumn += fields[0];
      if (fields.length < 4) continue;
      sourceLine += fields[2];
      sourceColumn += fields[3];
      segments.push([generatedColumn, sourceLine, sourceColumn]);
    }
    lines.push(segments);
  }
  return lines;
}

/** The numbers of one Base64 VLQ segment. */
function decodeVlq(segment) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** The TypeScript position of a 1-based JavaScript position: the token it falls in, and as far into it. */
function originalPosition(lines, line, column) {
  const segments = lines[line - 1];
  let found = null;
  for (const segment of segments ?? []) {
    if (segment[0] > column - 1) break;
    found = segment;
  }
  if (!found) return { line, column }; // sucrase keeps lines: the line is right even where no token maps
  return { line: found[1] + 1, column: found[2] + (column - 1 - found[0]) + 1 };
}
