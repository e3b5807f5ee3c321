// Markdown for problem prompts and the hosts' notes: CommonMark parsed by markdown-it (the server reads problem
// files with its Python port, markdown-it-py, with the same options: both agree on every fence and heading),
// rendered to DOM with createElement and textContent only. Raw HTML stays text; links go only to http(s) and
// mailto; an image is a link to it labelled with its alt text (the page's CSP shows no outside image, and no
// problem or note can ship one). The pages load this module on demand (import()): it is not first-load code.
import MarkdownIt from "markdown-it";

// "commonmark": no tables, no typographer, no linkify; nesting past 20 levels is cut (bounds time and depth).
const parser = new MarkdownIt("commonmark", { html: false });
const SAFE_HREF = /^(?:https?:|mailto:)[^\s\x00-\x1f\x7f]*$/i;
const SAFE_LANG = /^[\w+#.-]{1,32}$/;
// Emphasis nests without markdown-it's limit ("*****a*****"): past this depth wrappers are dropped, text kept.
const MAX_DEPTH = 32;
// Tokens that open an element, and its tag; a heading's comes from its level (see open()).
const ELEMENTS = {
  paragraph_open: "p",
  blockquote_open: "blockquote",
  bullet_list_open: "ul",
  ordered_list_open: "ol",
  list_item_open: "li",
  em_open: "em",
  strong_open: "strong",
};

/** Whether a link may point there: only http:, https: and mailto: (never javascript:, data:, relative, …). */
export function isSafeHref(href) {
  return typeof href === "string" && SAFE_HREF.test(href);
}

/** Markdown text -> markdown-it's block tokens (inline content in each `inline` token's children). */
export function parseMarkdown(text) {
  return parser.parse(String(text ?? ""), {});
}

/** Markdown text -> DocumentFragment; `#` becomes <h3> (the page has its own h1 and h2). */
export function renderMarkdown(text, doc = globalThis.document) {
  const fragment = doc.createDocumentFragment();
  append(fragment, parseMarkdown(text), doc);
  return fragment;
}

/** Appends `tokens` (a flat list: opening, leaf and closing tokens) under `root`. */
function append(root, tokens, doc) {
  const parents = [root];
  for (const token of tokens) {
    const parent = parents.at(-1);
    if (token.nesting === 1) {
      const element = parents.length <= MAX_DEPTH ? open(token, doc) : null;
      if (element) parent.appendChild(element);
      parents.push(element ?? parent);
    } else if (token.nesting === -1) {
      parents.pop();
    } else if (token.type === "inline") {
      append(parent, token.children, doc);
    } else {
      parent.appendChild(leaf(token, doc) ?? doc.createTextNode(""));
    }
  }
}

/** The element an opening token starts, or null: a tight list's paragraph, an unsafe link (its text stays). */
function open(token, doc) {
  if (token.type === "heading_open") return doc.createElement(`h${Math.min(6, Number(token.tag.slice(1)) + 2)}`);
  if (token.type === "link_open") {
    const href = token.attrGet("href");
    return isSafeHref(href) ? link(doc, href, token.attrGet("title")) : null;
  }
  if (token.hidden || !ELEMENTS[token.type]) return null;
  const element = doc.createElement(ELEMENTS[token.type]);
  const start = token.type === "ordered_list_open" ? Number(token.attrGet("start") ?? 1) : 1;
  if (start !== 1) element.setAttribute("start", String(start));
  return element;
}

/** The node of a token without children: code, breaks, rules, images, text. */
function leaf(token, doc) {
  switch (token.type) {
    case "text":
      return doc.createTextNode(token.content);
    case "softbreak":
      return doc.createTextNode("\n");
    case "hardbreak":
      return doc.createElement("br");
    case "hr":
      return doc.createElement("hr");
    case "code_inline": {
      const code = doc.createElement("code");
      code.textContent = token.content;
      return code;
    }
    case "fence":
    case "code_block": {
      const pre = doc.createElement("pre");
      const code = doc.createElement("code");
      const lang = token.info.trim().split(/\s+/)[0];
      if (SAFE_LANG.test(lang)) code.className = `language-${lang}`;
      code.textContent = token.content.replace(/\n$/, "");
      pre.appendChild(code);
      return pre;
    }
    case "image": {
      const alt = plainText(token.children) || token.attrGet("src");
      if (!isSafeHref(token.attrGet("src"))) return doc.createTextNode(alt);
      const element = link(doc, token.attrGet("src"), token.attrGet("title"));
      element.textContent = alt;
      return element;
    }
    default: // html_block and html_inline only come with `html: true`: shown as text all the same
      return token.content ? doc.createTextNode(token.content) : null;
  }
}

function link(doc, href, title) {
  const element = doc.createElement("a");
  element.setAttribute("href", href);
  if (title) element.setAttribute("title", title);
  element.setAttribute("rel", "noopener noreferrer");
  element.setAttribute("target", "_blank");
  return element;
}

/** The text of inline tokens without their markup (an image's alt text). */
function plainText(tokens) {
  return (tokens ?? []).map((token) => {
    if (token.type === "softbreak" || token.type === "hardbreak") return " ";
    if (token.type === "image") return plainText(token.children);
    return token.nesting === 0 ? token.content : "";
  }).join("");
}
