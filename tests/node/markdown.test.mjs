// static/src/markdown.js: CommonMark as the page renders it (markdown-it), links it refuses, the DOM it builds
// (never innerHTML), its speed on adversarial input, and the shared corpus (tests/fixtures/markdown-corpus.json)
// it must read as the server does. Run by tests/test_markdown.py (`node --test tests/node/markdown.test.mjs`).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import { isSafeHref, parseMarkdown, renderMarkdown } from "../../static/src/markdown.js";

/** A DOM just big enough for renderMarkdown; it refuses innerHTML and serializes to a string. */
class FakeNode {
  constructor(name, value = "") {
    this.name = name;
    this.value = value;
    this.attributes = {};
    this.childNodes = [];
  }

  appendChild(child) {
    if (child.name === "#fragment") this.childNodes.push(...child.childNodes.splice(0));
    else this.childNodes.push(child);
    return child;
  }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }

  set className(value) {
    this.attributes.class = value;
  }

  set textContent(value) {
    this.childNodes = [new FakeNode("#text", String(value))];
  }

  set innerHTML(_) {
    throw new Error("innerHTML used");
  }

  get html() {
    if (this.name === "#text") return this.value.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const inner = this.childNodes.map((child) => child.html).join("");
    if (this.name === "#fragment") return inner;
    const attributes = Object.entries(this.attributes).map(([name, value]) => ` ${name}="${value}"`).join("");
    return `<${this.name}${attributes}>${inner}</${this.name}>`;
  }

  get depth() {
    return 1 + Math.max(0, ...this.childNodes.map((child) => child.depth));
  }
}

const fakeDocument = {
  createElement: (name) => new FakeNode(name),
  createTextNode: (value) => new FakeNode("#text", value),
  createDocumentFragment: () => new FakeNode("#fragment"),
};
const html = (markdown) => renderMarkdown(markdown, fakeDocument).html;
const LINK = 'rel="noopener noreferrer" target="_blank"';

test("headings (ATX and setext, shifted two levels), paragraphs, hard and soft breaks", () => {
  assert.equal(html("# One\n###### Six ##\n####### seven\n#no"), "<h3>One</h3><h6>Six</h6><p>####### seven\n#no</p>");
  assert.equal(html("Title\n=====\n\nSub\n---\n\n## Two\n#### Four"), "<h3>Title</h3><h4>Sub</h4><h4>Two</h4><h6>Four</h6>");
  assert.equal(html("first  \nsecond\\\nthird\nfourth"), "<p>first<br></br>second<br></br>third\nfourth</p>");
  assert.equal(html("a\n\n\nb"), "<p>a</p><p>b</p>");
});

test("emphasis, strong, inline code, escapes and character references", () => {
  assert.equal(html("*em* _em_ **strong** __strong__ ***both***"),
    "<p><em>em</em> <em>em</em> <strong>strong</strong> <strong>strong</strong> <em><strong>both</strong></em></p>");
  assert.equal(html("snake_case_name and 2*3*4 and * a *"), "<p>snake_case_name and 2<em>3</em>4 and * a *</p>");
  assert.equal(html("`a *b* <i>` and ``x ` y``"), "<p><code>a *b* &lt;i></code> and <code>x ` y</code></p>");
  assert.equal(html("\\*not em\\* \\[not link\\](x) \\\\ \\a"), "<p>*not em* [not link](x) \\ \\a</p>");
  assert.equal(html("Tom &amp; Jerry &copy; &#35; &#x41; &bogus;"), "<p>Tom &amp; Jerry © # A &amp;bogus;</p>");
  assert.equal(html("`unclosed and **open"), "<p>`unclosed and **open</p>");
});

test("links: inline, by reference, autolinks; an image is a link labelled with its alt text", () => {
  assert.equal(html("see [the *docs*](https://example.com/a_(b)) or <https://x.y/z?q=1> or <me@example.com>"),
    `<p>see <a href="https://example.com/a_(b)" ${LINK}>the <em>docs</em></a> or `
    + `<a href="https://x.y/z?q=1" ${LINK}>https://x.y/z?q=1</a> or <a href="mailto:me@example.com" ${LINK}>me@example.com</a></p>`);
  assert.equal(html("[full][Ref] [ref][] [ref]\n\n[ref]: https://r.e/f \"Title\""),
    `<p><a href="https://r.e/f" title="Title" ${LINK}>full</a> <a href="https://r.e/f" title="Title" ${LINK}>ref</a> `
    + `<a href="https://r.e/f" title="Title" ${LINK}>ref</a></p>`);
  assert.equal(html("[undefined] reference"), "<p>[undefined] reference</p>");
  assert.equal(html("![a *diagram*](https://a.b/d.png) ![](https://a.b/e.png) ![local](/x.png)"),
    `<p><a href="https://a.b/d.png" ${LINK}>a diagram</a> <a href="https://a.b/e.png" ${LINK}>https://a.b/e.png</a> local</p>`);
  assert.equal(html("[outer [inner](https://i.j)](https://o.p)"), `<p>[outer <a href="https://i.j" ${LINK}>inner</a>](https://o.p)</p>`);
});

test("fenced and indented code keep their text verbatim; an unclosed fence runs to the end", () => {
  assert.equal(html("```python starter\nx = '<b>'\n\n  **y**\n```\nafter\n~~~\n```\n~~~\n````js\nlast"),
    "<pre><code class=\"language-python\">x = '&lt;b>'\n\n  **y**</code></pre><p>after</p><pre><code>```</code></pre>"
    + "<pre><code class=\"language-js\">last</code></pre>");
  assert.equal(html("  ```\n  indented\n    more\n  ```"), "<pre><code>indented\n  more</code></pre>");
  assert.equal(html("    four spaces\n    of code"), "<pre><code>four spaces\nof code</code></pre>");
  assert.equal(html("```x\" onclick=\"y\na\n```"), "<pre><code>a</code></pre>");
});

test("lists, tight and loose and nested, blockquotes, rules", () => {
  assert.equal(html("- a\n- b\n  continued\n  - b1\n  - b2\n* other\n\n3. three\n4) four"),
    "<ul><li>a</li><li>b\ncontinued<ul><li>b1</li><li>b2</li></ul></li></ul><ul><li>other</li></ul>"
    + "<ol start=\"3\"><li>three</li></ol><ol start=\"4\"><li>four</li></ol>");
  assert.equal(html("- one\n\n  two"), "<ul><li><p>one</p><p>two</p></li></ul>");
  assert.equal(html("- a\n  - b\n    - c"), "<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li></ul>");
  assert.equal(html("> quoted *text*\ncontinued\n>\n> - item\n\n---\n***\n_ _ _"),
    "<blockquote><p>quoted <em>text</em>\ncontinued</p><ul><li>item</li></ul></blockquote><hr></hr><hr></hr><hr></hr>");
});

test("no link to anything but http, https and mailto", () => {
  const attacks = [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))", "[x]( javascript:alert(1) )", "[x](//evil.example)", "[x](file:///etc/passwd)",
    "<javascript:alert(1)>", "<data:text/html,hi>", "[x](java\tscript:alert(1))", "[x](&#106;avascript:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)", "![x](javascript:alert(1))", "[x](/relative)", "[x](#fragment)",
  ];
  for (const attack of attacks) assert.doesNotMatch(html(attack), /<a /, attack);
  assert.equal(html("[click](/somewhere) me"), "<p>click me</p>"); // the label stays, as text
  for (const good of ["https://a.b", "http://a.b/c?d#e", "mailto:a@b.c", "HTTPS://A.B"]) assert.ok(isSafeHref(good), good);
  for (const bad of ["javascript:x", " https://a.b", "https://a b", "https://a\nb", "/relative", "", null]) {
    assert.ok(!isSafeHref(bad), String(bad));
  }
});

test("raw HTML is text, never markup", () => {
  const markdown = '<script>alert(1)</script>\n<img src=x onerror="alert(1)">\n\n# <b>bold</b>\n\n<div>\n*em*\n</div>';
  assert.equal(html(markdown), '<p>&lt;script>alert(1)&lt;/script>\n&lt;img src=x onerror="alert(1)"></p>'
    + "<h3>&lt;b>bold&lt;/b></h3><p>&lt;div>\n<em>em</em>\n&lt;/div></p>");
});

test("the module builds DOM without innerHTML or other HTML parsing, and its parser touches no DOM", () => {
  const source = readFileSync(new URL("../../static/src/markdown.js", import.meta.url), "utf8");
  assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|DOMParser|document\.write|createContextualFragment/);
  assert.deepEqual(source.match(/^import .*$/gm), ['import MarkdownIt from "markdown-it";']);
  const library = readFileSync(new URL("../../node_modules/markdown-it/dist/markdown-it.mjs", import.meta.url), "utf8");
  assert.doesNotMatch(library, /innerHTML|outerHTML|DOMParser|\bdocument\.\w|\bwindow\.\w/);
});

test("any input parses and renders without throwing, and every link is safe", () => {
  const alphabet = ["*", "_", "[", "]", "(", ")", "`", "~", "<", ">", "\\", "#", "-", "+", "1.", " ", "  ", "\n", "\t",
    "a", "b", "https://x.y", "javascript:", "!", "\"", "\r", "\0", "😀", "\u2028", "&amp;", "=", "[r]: /x\n"];
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 3000; round += 1) {
    let markdown = "";
    const length = Math.floor(random() * 60);
    for (let i = 0; i < length; i += 1) markdown += alphabet[Math.floor(random() * alphabet.length)];
    const rendered = html(markdown);
    for (const [, href] of rendered.matchAll(/<a href="([^"]*)"/g)) assert.ok(isSafeHref(href), markdown);
  }
  for (const odd of [undefined, null, 42, "", "\n\n\n"]) assert.ok(Array.isArray(parseMarkdown(odd)));
});

test("adversarial 64 KB inputs (a problem file's limit) parse fast and render shallow", () => {
  const size = 64 * 1024;
  const inputs = {
    stars: "*".repeat(size),
    "star-a": "*a ".repeat(size / 3),
    "open-then-close": "*a ".repeat(size / 6) + "b* ".repeat(size / 6),
    "star-bracket": "*[".repeat(size / 2),
    brackets: "[".repeat(size),
    "brackets-closed": "[".repeat(size / 2) + "]".repeat(size / 2),
    "link-starts": "[](".repeat(size / 3),
    "link-parens": "[a](b(".repeat(size / 6),
    "strong-mix": "**a*".repeat(size / 4),
    underscores: "_a _".repeat(size / 4),
    backticks: Array.from({ length: 350 }, (_, i) => "`".repeat(i + 1) + "x").join(""),
    angles: "<http://".repeat(size / 8),
    quotes: ">".repeat(size),
    "quote-stairs": Array.from({ length: 3000 }, (_, i) => ">".repeat(i % 40) + " x").join("\n"),
    "list-stairs": Array.from({ length: 3000 }, (_, i) => " ".repeat(i % 30) + "- x").join("\n"),
    "nested-lists": Array.from({ length: 200 }, (_, i) => "  ".repeat(i) + "- x").join("\n"),
    "lists-in-quotes": "> - ".repeat(size / 4),
    "heading-spaces": `# ${" ".repeat(size)}x`,
    "heading-hashes": `# a ${"#".repeat(size)}x`,
    backslashes: "\\".repeat(size),
    references: Array.from({ length: 2000 }, (_, i) => `[a${i}]: https://x.y/${i}`).join("\n") + "\n" + "[a1] ".repeat(2000),
    "emphasis-nest": "*".repeat(5000) + "a" + "*".repeat(5000),
  };
  for (const [name, markdown] of Object.entries(inputs)) {
    let fastest = Infinity; // the best of three: a busy machine or a cold JIT must not fail the test
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      parseMarkdown(markdown);
      fastest = Math.min(fastest, performance.now() - started);
    }
    // ~5-150 ms each on an idle 2-core machine; quadratic work would take many seconds (micromark: 30 s and more).
    assert.ok(fastest < 1000, `${name}: ${fastest.toFixed(0)} ms`);
    const depth = renderMarkdown(markdown, fakeDocument).depth;
    assert.ok(depth <= 45, `${name}: nested ${depth} deep`); // markdown-it stops nesting at 20 levels
  }
});

// ---- the corpus shared with the server (tests/test_markdown_corpus.py) --------------------------------------

const CONTAINERS = { blockquote_open: "blockquote", bullet_list_open: "list", ordered_list_open: "list" };
const LEAVES = { paragraph_open: "paragraph", code_block: "code", hr: "hr", html_block: "html" };

/** The inline tokens' text without markup, breaks as spaces (as problems.py takes a title). */
function plainText(tokens) {
  return tokens.map((token) => {
    if (token.type === "softbreak" || token.type === "hardbreak") return " ";
    if (token.type === "image") return plainText(token.children);
    return token.nesting === 0 ? token.content : "";
  }).join("").trim();
}

/** Every block the page's parser reads, as the corpus writes it (problems.markdown_blocks on the server). */
function blocksOf(markdown) {
  const tokens = parseMarkdown(markdown);
  const blocks = [];
  let depth = 0;
  tokens.forEach((token, index) => {
    const lines = token.map;
    if (CONTAINERS[token.type]) {
      blocks.push({ kind: CONTAINERS[token.type], depth, lines });
      depth += 1;
    } else if (CONTAINERS[token.type.replace(/_close$/, "_open")] && token.type.endsWith("_close")) {
      depth -= 1;
    } else if (token.type === "heading_open") {
      blocks.push({ kind: "heading", depth, lines, level: Number(token.tag.slice(1)), text: plainText(tokens[index + 1].children) });
    } else if (token.type === "fence") {
      const closed = lines[1] - lines[0] - 2 === token.content.split("\n").length - 1;
      blocks.push({ kind: "fence", depth, lines, info: token.info.trim(), text: token.content, closed });
    } else if (token.type === "code_block") {
      blocks.push({ kind: "code", depth, lines, text: token.content });
    } else if (LEAVES[token.type]) {
      blocks.push({ kind: LEAVES[token.type], depth, lines });
    }
  });
  return blocks;
}

test("the page reads every case of the corpus shared with the server as it says", () => {
  const corpus = JSON.parse(readFileSync(new URL("../fixtures/markdown-corpus.json", import.meta.url), "utf8"));
  assert.ok(corpus.cases.length >= 30);
  for (const { name, markdown, blocks } of corpus.cases) assert.deepEqual(blocksOf(markdown), blocks, name);
  // What the page shows of a fence is that text, so a starter block reads the same on both sides.
  const starter = corpus.cases.find((item) => item.name === "an indented fence loses that indentation");
  assert.equal(html(starter.markdown), `<pre><code class="language-python">${starter.blocks[0].text.slice(0, -1)}</code></pre>`);
});
