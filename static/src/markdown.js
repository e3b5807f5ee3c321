// Markdown for problem prompts: a small CommonMark subset parsed in linear-ish time, rendered to DOM
// with createElement and textContent only (raw HTML stays text; links only to http(s) and mailto).

const MAX_BLOCK_DEPTH = 8; // blockquotes and lists nested deeper are read as paragraph text
const MAX_LIST_DEPTH = 2; // a list, and one level of list inside it
const MAX_INLINE_DEPTH = 16; // emphasis nested deeper keeps its text but not its wrappers
const MAX_MARKERS = 5000; // per paragraph: * and _ runs, and [s, past this many are plain text (bounds the work)
const ESCAPABLE = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const SPECIAL = charTable("\\`*_[]<\n"); // characters where inline parsing has something to decide
const SPECIAL_PAST_MARKERS = charTable("\\`]<\n");
const SPECIAL_PLAIN_BRACKETS = charTable("\\`<\n"); // past MAX_MARKERS, with no [ left open
const ASCII_PUNCTUATION = charTable(ESCAPABLE);
const PUNCTUATION = /[\p{P}\p{S}]/u;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]{1,31}:/;
const SAFE_HREF = /^(?:https?:|mailto:)[^\s\x00-\x1f\x7f]*$/i;
const SAFE_LANG = /^[\w+#.-]{1,32}$/;

/** Whether a link may point there: only http:, https: and mailto: (never javascript:, data:, …). */
export function isSafeHref(href) {
  return typeof href === "string" && SAFE_HREF.test(href);
}

/** Markdown text -> array of block nodes (plain objects; see the module's tests for their shape). */
export function parseMarkdown(text) {
  const source = String(text ?? "").replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
  return parseBlocks(source.split("\n").map(expandIndent), 0, 0);
}

/** Markdown text -> DocumentFragment; `#` becomes <h3> (the page has its own h1 and h2). */
export function renderMarkdown(text, doc = globalThis.document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(text)) fragment.appendChild(renderBlock(block, doc));
  return fragment;
}

// ---- blocks ----------------------------------------------------------------------------------

function parseBlocks(lines, depth, listDepth) {
  const blocks = [];
  const context = { depth, listDepth };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i += 1;
    } else if (fenceOpening(line)) {
      i = parseFence(lines, i, blocks);
    } else if (headingOf(line)) {
      const { level, text } = headingOf(line);
      blocks.push({ type: "heading", level, children: parseInline(text) });
      i += 1;
    } else if (isHr(line)) {
      blocks.push({ type: "hr" });
      i += 1;
    } else if (depth < MAX_BLOCK_DEPTH && quoteContent(line) !== null) {
      i = parseQuote(lines, i, context, blocks);
    } else if (canList(context) && listMarker(line)) {
      i = parseList(lines, i, context, blocks);
    } else {
      i = parseParagraph(lines, i, context, blocks);
    }
  }
  return blocks;
}

function canList({ depth, listDepth }) {
  return depth < MAX_BLOCK_DEPTH && listDepth < MAX_LIST_DEPTH;
}

function expandIndent(line) {
  let column = 0;
  let i = 0;
  for (; i < line.length && (line[i] === " " || line[i] === "\t"); i += 1) {
    column = line[i] === "\t" ? column + 4 - (column % 4) : column + 1;
  }
  return i === column ? line : " ".repeat(column) + line.slice(i);
}

function indentOf(line) {
  let i = 0;
  while (line[i] === " ") i += 1;
  return i;
}

function isBlank(line) {
  return line.trim() === "";
}

function fenceOpening(line) {
  const indent = indentOf(line);
  const char = line[indent];
  if (indent > 3 || (char !== "`" && char !== "~")) return null;
  let end = indent;
  while (line[end] === char) end += 1;
  const info = line.slice(end).trim();
  if (end - indent < 3 || (char === "`" && info.includes("`"))) return null;
  return { char, length: end - indent, indent, info };
}

function parseFence(lines, start, blocks) {
  const fence = fenceOpening(lines[start]);
  const body = [];
  let i = start + 1;
  for (; i < lines.length; i += 1) {
    const closing = fenceOpening(lines[i]);
    if (closing && closing.char === fence.char && closing.length >= fence.length && !closing.info) break;
    body.push(lines[i].slice(Math.min(indentOf(lines[i]), fence.indent)));
  }
  blocks.push({ type: "code", lang: fence.info.split(/\s/, 1)[0], text: body.join("\n") });
  return i + 1;
}

function headingOf(line) {
  const indent = indentOf(line);
  if (indent > 3 || line[indent] !== "#") return null;
  let end = indent;
  while (line[end] === "#") end += 1;
  const level = end - indent;
  if (level > 6 || (end < line.length && line[end] !== " " && line[end] !== "\t")) return null;
  let text = line.slice(end).trim();
  let cut = text.length;
  while (cut > 0 && text[cut - 1] === "#") cut -= 1; // a closing run of #s, when it stands apart
  if (cut === 0 || text[cut - 1] === " " || text[cut - 1] === "\t") text = text.slice(0, cut).trim();
  return { level, text };
}

function isHr(line) {
  if (indentOf(line) > 3) return false;
  let char = null;
  let count = 0;
  for (const c of line) {
    if (c === " " || c === "\t") continue;
    if (char === null && (c === "-" || c === "*" || c === "_")) char = c;
    if (c !== char) return false;
    count += 1;
  }
  return count >= 3;
}

function quoteContent(line) {
  const indent = indentOf(line);
  if (indent > 3 || line[indent] !== ">") return null;
  return line.slice(line[indent + 1] === " " ? indent + 2 : indent + 1);
}

function parseQuote(lines, start, context, blocks) {
  const inner = [];
  let i = start;
  for (; i < lines.length; i += 1) {
    const content = quoteContent(lines[i]);
    if (content !== null) {
      inner.push(content);
    } else if (!isBlank(lines[i]) && inner.length && !isBlank(inner[inner.length - 1])
               && !startsBlock(lines[i], context)) {
      inner.push(lines[i]); // a lazy continuation of the quoted paragraph
    } else {
      break;
    }
  }
  blocks.push({ type: "blockquote", children: parseBlocks(inner, context.depth + 1, context.listDepth) });
  return i;
}

function listMarker(line) {
  const indent = indentOf(line);
  if (indent > 3) return null;
  let end = indent;
  let ordered = false;
  let start = null;
  if (line[indent] === "-" || line[indent] === "*" || line[indent] === "+") {
    end += 1;
  } else {
    while (end - indent < 9 && line[end] >= "0" && line[end] <= "9") end += 1;
    if (end === indent || (line[end] !== "." && line[end] !== ")")) return null;
    ordered = true;
    start = Number(line.slice(indent, end));
    end += 1;
  }
  if (end < line.length && line[end] !== " ") return null;
  const spaces = indentOf(line.slice(end, end + 5));
  const contentIndent = spaces === 0 || spaces > 4 || end + spaces >= line.length ? end + 1 : end + spaces;
  return { ordered, start, mark: line[end - 1], indent, contentIndent, content: line.slice(contentIndent) };
}

function parseList(lines, start, context, blocks) {
  const first = listMarker(lines[start]);
  const list = { type: "list", ordered: first.ordered, start: first.start, items: [] };
  let marker = first;
  let i = start;
  while (marker) {
    const item = [marker.content];
    const inside = Math.min(marker.contentIndent, marker.indent + 2);
    for (i += 1; i < lines.length; i += 1) {
      const line = lines[i];
      const indent = indentOf(line);
      const previousBlank = isBlank(item[item.length - 1]);
      if (isBlank(line)) {
        item.push("");
      } else if (indent >= inside) {
        item.push(line.slice(Math.min(indent, marker.contentIndent)));
      } else if (!previousBlank && !listMarker(line) && !startsBlock(line, context)) {
        item.push(line); // a lazy continuation of the item's paragraph
      } else {
        break;
      }
    }
    while (item.length > 1 && isBlank(item[item.length - 1])) item.pop();
    list.items.push(parseBlocks(item, context.depth + 1, context.listDepth + 1));
    const next = i < lines.length && !isHr(lines[i]) ? listMarker(lines[i]) : null;
    marker = next && next.ordered === first.ordered && next.mark === first.mark ? next : null;
  }
  blocks.push(list);
  return i;
}

function startsBlock(line, context) {
  return Boolean(fenceOpening(line) || headingOf(line) || isHr(line) || quoteContent(line) !== null
                 || (canList(context) && listMarker(line) && !isBlank(listMarker(line).content)));
}

function parseParagraph(lines, start, context, blocks) {
  const text = [lines[start].trimStart()];
  let i = start + 1;
  while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i], context)) {
    text.push(lines[i].trimStart());
    i += 1;
  }
  blocks.push({ type: "paragraph", children: parseInline(text.join("\n").trimEnd()) });
  return i;
}

// ---- inlines ---------------------------------------------------------------------------------
// Nodes live in circular doubly linked lists with a sentinel, so emphasis can wrap a run of them in
// O(1); delimiter runs (* and _) form a second such list, processed as in CommonMark's algorithm.

function makeList() {
  const sentinel = {};
  sentinel.prev = sentinel;
  sentinel.next = sentinel;
  return sentinel;
}

function append(list, node) {
  node.prev = list.prev;
  node.next = list;
  list.prev.next = node;
  list.prev = node;
  return node;
}

function unlink(node) {
  node.prev.next = node.next;
  node.next.prev = node.prev;
}

function insertAfter(reference, node) {
  node.prev = reference;
  node.next = reference.next;
  reference.next.prev = node;
  reference.next = node;
}

function moveInto(list, first, last) {
  first.prev.next = last.next;
  last.next.prev = first.prev;
  list.next = first;
  first.prev = list;
  list.prev = last;
  last.next = list;
}

/** For each index, the first index at or after it whose character is in `chars` (or the length);
 * with `chars` empty, the first that is not a space, tab or line break. */
function nextOf(text, chars) {
  const stops = charTable(chars || " \t\n");
  const next = new Int32Array(text.length + 1);
  next[text.length] = text.length;
  for (let i = text.length - 1; i >= 0; i -= 1) {
    const code = text.charCodeAt(i);
    next[i] = (code < 128 && stops[code] === 1) === Boolean(chars) ? i : next[i + 1];
  }
  return next;
}

function charTable(chars) {
  const table = new Uint8Array(128);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return table;
}

function isSpace(c) {
  return c === " " || c === "\n" || c === "\t" || (c > "\x7f" && /\s/.test(c));
}

function isPunctuation(c) {
  return c < "\x80" ? ASCII_PUNCTUATION[c.charCodeAt(0)] === 1 : PUNCTUATION.test(c);
}

function parseInline(src) {
  const nodes = makeList();
  const delims = makeList();
  const brackets = []; // text nodes "[" that may open a link: {…, bottom (of delims), active}
  const tables = {};
  const table = (chars) => (tables[chars] ??= nextOf(src, chars));
  let tickRuns = null; // backtick run length -> {starts, next}: closers found in amortized O(1)
  let markers = 0;
  let pending = "";
  let pos = 0;

  const flush = () => {
    if (pending) append(nodes, { type: "text", text: pending });
    pending = "";
  };

  while (pos < src.length) {
    const special = markers < MAX_MARKERS ? SPECIAL : brackets.length ? SPECIAL_PAST_MARKERS : SPECIAL_PLAIN_BRACKETS;
    let at = pos;
    while (at < src.length && !special[src.charCodeAt(at)]) at += 1;
    if (at > pos) pending += src.slice(pos, at);
    pos = at;
    if (pos >= src.length) break;
    const c = src[pos];
    if (c === "\\") {
      const d = src[pos + 1];
      if (d === "\n") {
        flush();
        append(nodes, { type: "break" });
        pos += 2;
      } else if (d !== undefined && ESCAPABLE.includes(d)) {
        pending += d;
        pos += 2;
      } else {
        pending += c;
        pos += 1;
      }
    } else if (c === "\n") {
      let spaces = 0;
      while (pending[pending.length - 1 - spaces] === " ") spaces += 1;
      pending = pending.slice(0, pending.length - spaces);
      if (spaces >= 2) {
        flush();
        append(nodes, { type: "break" });
      } else {
        pending += "\n";
      }
      pos += 1;
    } else if (c === "`") {
      pos = codeSpan(pos);
    } else if ((c === "*" || c === "_") && markers < MAX_MARKERS) {
      markers += 1;
      pos = delimiterRun(pos, c);
    } else if (c === "[" && markers < MAX_MARKERS) {
      markers += 1;
      flush();
      brackets.push(append(nodes, { type: "text", text: "[", bottom: delims.prev, active: true }));
      pos += 1;
    } else if (c === "]") {
      pos = closeBracket(pos);
    } else if (c === "<") {
      pos = autolink(pos);
    } else {
      pending += c; // a * _ or [ right at MAX_MARKERS
      pos += 1;
    }
  }
  flush();
  processEmphasis(delims);
  return collect(nodes, 0);

  function codeSpan(start) {
    let end = start;
    while (src[end] === "`") end += 1;
    const close = closingTicks(end - start, end);
    if (close < 0) {
      pending += src.slice(start, end);
      return end;
    }
    let code = src.slice(end, close).replace(/\n/g, " ");
    if (code.length > 2 && code[0] === " " && code[code.length - 1] === " " && code.trim()) code = code.slice(1, -1);
    flush();
    append(nodes, { type: "code", text: code });
    return close + end - start;
  }

  /** Start of the first run of exactly `length` backticks at or after `from`, or -1. */
  function closingTicks(length, from) {
    if (tickRuns === null) {
      tickRuns = new Map();
      for (const run of src.matchAll(/`+/g)) {
        if (!tickRuns.has(run[0].length)) tickRuns.set(run[0].length, { starts: [], next: 0 });
        tickRuns.get(run[0].length).starts.push(run.index);
      }
    }
    const runs = tickRuns.get(length);
    if (!runs) return -1;
    while (runs.next < runs.starts.length && runs.starts[runs.next] < from) runs.next += 1;
    return runs.next < runs.starts.length ? runs.starts[runs.next] : -1;
  }

  function delimiterRun(start, char) {
    let end = start;
    while (src[end] === char) end += 1;
    const before = start > 0 ? src[start - 1] : " ";
    const after = end < src.length ? src[end] : " ";
    const spaceBefore = isSpace(before);
    const spaceAfter = isSpace(after);
    const punctBefore = isPunctuation(before);
    const punctAfter = isPunctuation(after);
    const left = !spaceAfter && (!punctAfter || spaceBefore || punctBefore);
    const right = !spaceBefore && (!punctBefore || spaceAfter || punctAfter);
    flush();
    const node = append(nodes, { type: "text", text: src.slice(start, end) });
    append(delims, {
      node, char, count: end - start, original: end - start,
      canOpen: char === "*" ? left : left && (!right || punctBefore),
      canClose: char === "*" ? right : right && (!left || punctAfter),
    });
    return end;
  }

  function closeBracket(start) {
    flush();
    const opener = brackets.pop();
    const link = opener && opener.active ? linkTail(start + 1) : null;
    if (!link) {
      pending += "]";
      return start + 1;
    }
    processEmphasis(opener.bottom);
    if (isSafeHref(link.href)) { // an unsafe link keeps its text, not its target
      const container = { type: "link", href: link.href, kids: makeList() };
      if (opener.next !== nodes) moveInto(container.kids, opener.next, nodes.prev);
      else append(container.kids, { type: "text", text: link.href });
      append(nodes, container);
    }
    unlink(opener);
    for (let k = brackets.length - 1; k >= 0 && brackets[k].active; k -= 1) brackets[k].active = false;
    return link.end;
  }

  /** `(destination "title")` right after a `]`, in O(1) thanks to the next-character tables. */
  function linkTail(start) {
    if (src[start] !== "(") return null;
    let i = skipSpaces(start + 1);
    const destinationEnd = destinationEndFrom(i);
    if (destinationEnd < 0) return null;
    const href = src.slice(i, destinationEnd);
    i = skipSpaces(destinationEnd);
    if (src[i] === "\"" && i > destinationEnd) {
      const titleEnd = table("\"")[i + 1];
      if (titleEnd >= src.length) return null;
      i = skipSpaces(titleEnd + 1);
    }
    if (src[i] !== ")") return null;
    return { href, end: i + 1 };
  }

  /** Where a destination starting at i ends: at a space or an unbalanced ")"; -1 past 32 parentheses. */
  function destinationEndFrom(i) {
    const stops = table(" \t\n()");
    let depth = 0;
    for (let hops = 0; hops < 32; hops += 1) {
      i = stops[i];
      if (src[i] === "(") depth += 1;
      else if (src[i] === ")" && depth > 0) depth -= 1;
      else return i;
      i += 1;
    }
    return -1;
  }

  function skipSpaces(i) {
    return table("")[i];
  }

  function autolink(start) {
    const end = table("<> \t\n")[start + 1];
    const content = src.slice(start + 1, end);
    let href = null;
    if (src[end] === ">" && SCHEME.test(content)) href = content;
    else if (src[end] === ">" && isEmail(content)) href = `mailto:${content}`;
    if (href === null || !isSafeHref(href)) {
      pending += "<";
      return start + 1;
    }
    flush();
    const container = append(nodes, { type: "link", href, kids: makeList() });
    append(container.kids, { type: "text", text: content });
    return end + 1;
  }

  function processEmphasis(bottom) {
    const openersBottom = []; // per kind of closer: below here no opener can match it
    let closer = bottom.next;
    while (closer !== delims) {
      if (!closer.canClose) {
        closer = closer.next;
        continue;
      }
      const key = (closer.char === "*" ? 0 : 6) + (closer.canOpen ? 3 : 0) + (closer.original % 3);
      const limit = openersBottom[key] ?? bottom;
      let opener = closer.prev;
      while (opener !== bottom && opener !== limit && opener !== delims) {
        const oddMatch = (closer.canOpen || opener.canClose) && closer.original % 3 !== 0
          && (opener.original + closer.original) % 3 === 0;
        if (opener.char === closer.char && opener.canOpen && !oddMatch) break;
        opener = opener.prev;
      }
      if (opener === bottom || opener === limit || opener === delims) {
        openersBottom[key] = closer.prev;
        const next = closer.next;
        if (!closer.canOpen) unlink(closer);
        closer = next;
        continue;
      }
      const use = opener.count >= 2 && closer.count >= 2 ? 2 : 1;
      opener.count -= use;
      closer.count -= use;
      opener.node.text = opener.node.text.slice(use);
      closer.node.text = closer.node.text.slice(use);
      const emphasis = { type: use === 2 ? "strong" : "em", kids: makeList() };
      if (opener.node.next !== closer.node) moveInto(emphasis.kids, opener.node.next, closer.node.prev);
      insertAfter(opener.node, emphasis);
      opener.next = closer; // delimiters between the two are now plain text inside the emphasis
      closer.prev = opener;
      if (opener.count === 0) {
        unlink(opener.node);
        unlink(opener);
      }
      if (closer.count === 0) {
        const next = closer.next;
        unlink(closer.node);
        unlink(closer);
        closer = next;
      }
    }
    bottom.next = delims; // what is left above bottom stays plain text
    delims.prev = bottom;
  }
}

function isEmail(text) {
  const at = text.indexOf("@");
  return at > 0 && at === text.lastIndexOf("@") && text.indexOf(".", at) > at + 1
    && !text.endsWith(".") && !SCHEME.test(text);
}

/** A node list -> plain objects, adjacent text merged; wrappers deeper than the limit are dropped. */
function collect(list, depth) {
  const out = [];
  const texts = []; // adjacent text, joined once
  const resume = [];
  let node = list.next;
  let end = list;
  for (;;) {
    if (node === end) {
      if (!resume.length) break;
      end = resume.pop();
      node = resume.pop();
      continue;
    }
    if (node.kids && depth >= MAX_INLINE_DEPTH) {
      resume.push(node.next, end);
      end = node.kids;
      node = node.kids.next;
      continue;
    }
    if (node.type === "text") {
      if (node.text) texts.push(node.text);
      node = node.next;
      continue;
    }
    if (texts.length) out.push({ type: "text", text: texts.join("") });
    texts.length = 0;
    if (node.type === "code") {
      out.push({ type: "code", text: node.text });
    } else if (node.type === "break") {
      out.push({ type: "break" });
    } else if (node.type === "link") {
      out.push({ type: "link", href: node.href, children: collect(node.kids, depth + 1) });
    } else {
      out.push({ type: node.type, children: collect(node.kids, depth + 1) });
    }
    node = node.next;
  }
  if (texts.length) out.push({ type: "text", text: texts.join("") });
  return out;
}

// ---- DOM -------------------------------------------------------------------------------------

function renderBlock(block, doc) {
  switch (block.type) {
    case "heading":
      return withInlines(doc.createElement(`h${Math.min(6, block.level + 2)}`), block.children, doc);
    case "paragraph":
      return withInlines(doc.createElement("p"), block.children, doc);
    case "code": {
      const pre = doc.createElement("pre");
      const code = doc.createElement("code");
      if (SAFE_LANG.test(block.lang)) code.className = `language-${block.lang}`;
      code.textContent = block.text;
      pre.appendChild(code);
      return pre;
    }
    case "list": {
      const list = doc.createElement(block.ordered ? "ol" : "ul");
      if (block.ordered && block.start !== 1) list.setAttribute("start", String(block.start));
      for (const item of block.items) {
        const li = doc.createElement("li");
        const paragraphs = item.filter((child) => child.type === "paragraph").length;
        for (const child of item) {
          if (child.type === "paragraph" && paragraphs === 1) withInlines(li, child.children, doc); // tight
          else li.appendChild(renderBlock(child, doc));
        }
        list.appendChild(li);
      }
      return list;
    }
    case "blockquote": {
      const quote = doc.createElement("blockquote");
      for (const child of block.children) quote.appendChild(renderBlock(child, doc));
      return quote;
    }
    default:
      return doc.createElement("hr");
  }
}

function withInlines(parent, inlines, doc) {
  for (const inline of inlines) parent.appendChild(renderInline(inline, doc));
  return parent;
}

function renderInline(inline, doc) {
  switch (inline.type) {
    case "text":
      return doc.createTextNode(inline.text);
    case "code": {
      const code = doc.createElement("code");
      code.textContent = inline.text;
      return code;
    }
    case "break":
      return doc.createElement("br");
    case "em":
    case "strong":
      return withInlines(doc.createElement(inline.type), inline.children, doc);
    case "link": {
      if (!isSafeHref(inline.href)) return withInlines(doc.createDocumentFragment(), inline.children, doc);
      const link = withInlines(doc.createElement("a"), inline.children, doc);
      link.setAttribute("href", inline.href);
      link.setAttribute("rel", "noopener noreferrer");
      link.setAttribute("target", "_blank");
      return link;
    }
    default:
      return doc.createTextNode("");
  }
}
