// console.log formatting close to Node's util.inspect, so output reads as candidates expect.
const MAX_DEPTH = 2;
const MAX_ITEMS = 100;

/** One console.log line: a leading format string (%s %d %i %f %j %o %O %c) and the rest inspected. */
export function formatLog(args) {
  if (args.length === 0) return "";
  let rest = args;
  let head = "";
  if (typeof args[0] === "string" && args[0].includes("%")) {
    let index = 1;
    head = args[0].replace(/%([sdifjoOc%])/g, (match, code) => {
      if (code === "%") return "%";
      if (index >= args.length) return match;
      const value = args[index++];
      switch (code) {
        case "s": return typeof value === "string" ? value : inspect(value, { depth: 1 });
        case "d": case "i": return String(code === "i" ? Math.trunc(Number(value)) : Number(value));
        case "f": return String(Number(value));
        case "j": try { return JSON.stringify(value); } catch { return "[Circular]"; }
        case "c": return "";
        default: return inspect(value, { depth: 4 });
      }
    });
    rest = args.slice(index);
    return [head, ...rest.map((value) => (typeof value === "string" ? value : inspect(value)))].join(" ");
  }
  return rest.map((value) => (typeof value === "string" ? value : inspect(value))).join(" ");
}

/** A value as Node shows it nested in console.log: strings quoted, objects and arrays spelled out. */
export function inspect(value, { depth = MAX_DEPTH } = {}) {
  return format(value, depth, new Set(), true);
}

function format(value, depth, seen, top = false) {
  switch (typeof value) {
    case "string": return top ? value : quote(value);
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "boolean": case "undefined": return String(value);
    case "symbol": return value.toString();
    case "function": return isClass(value) ? `[class ${value.name || "(anonymous)"}]` : `[Function${value.name ? `: ${value.name}` : " (anonymous)"}]`;
  }
  if (value === null) return "null";
  if (seen.has(value)) return "[Circular]";
  if (value instanceof Error) return value.stack || `${value.name}: ${value.message}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof Promise) return "Promise { <pending> }";
  seen.add(value);
  try {
    if (Array.isArray(value)) return list(value.slice(0, MAX_ITEMS).map((item) => nested(item, depth, seen)), value.length, "[", "]", depth);
    if (value instanceof Map) {
      if (depth < 0) return "[Map]";
      const items = [...value].slice(0, MAX_ITEMS).map(([k, v]) => `${nested(k, depth, seen)} => ${nested(v, depth, seen)}`);
      return `Map(${value.size}) ${list(items, value.size, "{", "}", depth)}`;
    }
    if (value instanceof Set) {
      if (depth < 0) return "[Set]";
      const items = [...value].slice(0, MAX_ITEMS).map((item) => nested(item, depth, seen));
      return `Set(${value.size}) ${list(items, value.size, "{", "}", depth)}`;
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return `${value.constructor.name}(${/** @type {any} */ (value).length}) [ ${Array.from(/** @type {any} */ (value).slice(0, MAX_ITEMS)).join(", ")} ]`;
    const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : "";
    if (depth < 0) return name ? `[${name.trim()}]` : "[Object]";
    const keys = Object.keys(value);
    const items = keys.slice(0, MAX_ITEMS).map((key) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key)}: ${nested(value[key], depth, seen)}`);
    return `${name}${list(items, keys.length, "{", "}", depth)}`;
  } finally {
    seen.delete(value);
  }
}

function nested(value, depth, seen) {
  return format(value, depth - 1, seen);
}

function list(items, total, open, close, depth) {
  if (total > items.length) items.push(`... ${total - items.length} more item${total - items.length === 1 ? "" : "s"}`);
  if (items.length === 0) return `${open}${close}`;
  if (depth < 0) return open === "[" ? "[Array]" : "[Object]";
  const oneLine = `${open} ${items.join(", ")} ${close}`;
  if (oneLine.length <= 72 && !oneLine.includes("\n")) return oneLine;
  return `${open}\n${items.map((item) => `  ${item.replace(/\n/g, "\n  ")}`).join(",\n")}\n${close}`;
}

function quote(text) {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return `${mark}${mark === "'" ? escaped.replace(/'/g, "\\'") : escaped}${mark}`;
}

function isClass(fn) {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
