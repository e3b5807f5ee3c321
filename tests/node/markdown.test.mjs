// static/src/markdown.js: the blocks and inlines it reads, links it refuses, DOM it builds, and its speed on
// adversarial input. Run by tests/test_markdown.py (`node --test tests/node/markdown.test.mjs`).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import { isSafeHref, parseMarkdown, renderMarkdown } from "../../static/src/markdown.js";

const text = (value) => ({ type: "text", text: value });
const paragraph = (...children) => ({ type: "paragraph", children });
const inlines = (markdown) => {
  const blocks = parseMarkdown(markdown);
  assert.equal(blocks.length, 1, JSON.stringify(blocks));
  assert.equal(blocks[0].type, "paragraph");
  return blocks[0].children;
};

/** Every node of a parsed tree, blocks and inlines, depth first. */
function* walk(nodes) {
  for (const node of nodes) {
    yield node;
    if (node.children) yield* walk(node.children);
    if (node.items) for (const item of node.items) yield* walk(item);
  }
}

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
}

const fakeDocument = {
  createElement: (name) => new FakeNode(name),
  createTextNode: (value) => new FakeNode("#text", value),
  createDocumentFragment: () => new FakeNode("#fragment"),
};
const html = (markdown) => renderMarkdown(markdown, fakeDocument).html;

test("ATX headings, paragraphs, hard and soft breaks", () => {
  assert.deepEqual(parseMarkdown("# One\n###### Six ##\n####### seven\n#no"), [
    { type: "heading", level: 1, children: [text("One")] },
    { type: "heading", level: 6, children: [text("Six")] },
    paragraph(text("####### seven\n#no")),
  ]);
  assert.deepEqual(inlines("first  \nsecond\\\nthird\nfourth"),
    [text("first"), { type: "break" }, text("second"), { type: "break" }, text("third\nfourth")]);
  assert.deepEqual(parseMarkdown("a\n\n\nb"), [paragraph(text("a")), paragraph(text("b"))]);
});

test("emphasis, strong, inline code, escapes", () => {
  assert.deepEqual(inlines("*em* _em_ **strong** __strong__ ***both***"), [
    { type: "em", children: [text("em")] }, text(" "),
    { type: "em", children: [text("em")] }, text(" "),
    { type: "strong", children: [text("strong")] }, text(" "),
    { type: "strong", children: [text("strong")] }, text(" "),
    { type: "em", children: [{ type: "strong", children: [text("both")] }] },
  ]);
  assert.deepEqual(inlines("snake_case_name and 2*3*4 and * a *"), [text("snake_case_name and 2"),
    { type: "em", children: [text("3")] }, text("4 and * a *")]);
  assert.deepEqual(inlines("`a *b* <i>` and ``x ` y``"),
    [{ type: "code", text: "a *b* <i>" }, text(" and "), { type: "code", text: "x ` y" }]);
  assert.deepEqual(inlines("\\*not em\\* \\[not link\\](x) \\\\ \\a"), [text("*not em* [not link](x) \\ \\a")]);
  assert.deepEqual(inlines("`unclosed and **open"), [text("`unclosed and **open")]);
});

test("links and autolinks", () => {
  assert.deepEqual(inlines("see [the *docs*](https://example.com/a_(b)) or <https://x.y/z?q=1> or <me@example.com>"), [
    text("see "),
    { type: "link", href: "https://example.com/a_(b)", children: [text("the "), { type: "em", children: [text("docs")] }] },
    text(" or "), { type: "link", href: "https://x.y/z?q=1", children: [text("https://x.y/z?q=1")] },
    text(" or "), { type: "link", href: "mailto:me@example.com", children: [text("me@example.com")] },
  ]);
  assert.deepEqual(inlines('[a](http://a.b "Title") [b] (c) [](https://e.f)'), [
    { type: "link", href: "http://a.b", children: [text("a")] }, text(" [b] (c) "),
    { type: "link", href: "https://e.f", children: [text("https://e.f")] },
  ]);
  assert.deepEqual(inlines("[outer [inner](https://i.j)](https://o.p)"),
    [text("[outer "), { type: "link", href: "https://i.j", children: [text("inner")] }, text("](https://o.p)")]);
});

test("fenced code keeps its text verbatim; unclosed fences run to the end", () => {
  assert.deepEqual(parseMarkdown("```python starter\nx = '<b>'\n\n  **y**\n```\nafter\n~~~\n```\n~~~\n````js\nlast"), [
    { type: "code", lang: "python", text: "x = '<b>'\n\n  **y**" },
    paragraph(text("after")),
    { type: "code", lang: "", text: "```" },
    { type: "code", lang: "js", text: "last" },
  ]);
  assert.deepEqual(parseMarkdown("  ```\n  indented\n    more\n  ```"), [{ type: "code", lang: "", text: "indented\n  more" }]);
});

test("lists with one level of nesting, blockquotes, rules", () => {
  const item = (...blocks) => blocks;
  assert.deepEqual(parseMarkdown("- a\n- b\n  continued\n  - b1\n  - b2\n* other\n\n3. three\n4) four\n5. five"), [
    { type: "list", ordered: false, start: null, items: [
      item(paragraph(text("a"))),
      item(paragraph(text("b\ncontinued")), { type: "list", ordered: false, start: null, items: [
        item(paragraph(text("b1"))), item(paragraph(text("b2")))] }),
    ] },
    { type: "list", ordered: false, start: null, items: [item(paragraph(text("other")))] },
    { type: "list", ordered: true, start: 3, items: [item(paragraph(text("three")))] },
    { type: "list", ordered: true, start: 4, items: [item(paragraph(text("four")))] },
    { type: "list", ordered: true, start: 5, items: [item(paragraph(text("five")))] },
  ]);
  const deep = parseMarkdown("- a\n  - b\n    - c");
  assert.deepEqual(deep[0].items[0][1].items[0], [paragraph(text("b\n- c"))]); // no third level
  assert.deepEqual(parseMarkdown("> quoted *text*\ncontinued\n>\n> - item\n\n---\n***\n_ _ _"), [
    { type: "blockquote", children: [
      paragraph(text("quoted "), { type: "em", children: [text("text")] }, text("\ncontinued")),
      { type: "list", ordered: false, start: null, items: [[paragraph(text("item"))]] },
    ] },
    { type: "hr" }, { type: "hr" }, { type: "hr" },
  ]);
});

test("no link to anything but http, https and mailto", () => {
  const attacks = [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))", "[x]( javascript:alert(1) )", "[x](//evil.example)", "[x](file:///etc/passwd)",
    "<javascript:alert(1)>", "<data:text/html,hi>", "[x](java\tscript:alert(1))", "[x](&#106;avascript:alert(1))",
  ];
  for (const attack of attacks) {
    const links = [...walk(parseMarkdown(attack))].filter((node) => node.type === "link");
    assert.deepEqual(links, [], attack);
    assert.doesNotMatch(html(attack), /<a /, attack);
  }
  assert.deepEqual(inlines("[click](javascript:alert(1)) me"), [text("click me")]);
  for (const good of ["https://a.b", "http://a.b/c?d#e", "mailto:a@b.c", "HTTPS://A.B"]) assert.ok(isSafeHref(good), good);
  for (const bad of ["javascript:x", " https://a.b", "https://a b", "https://a\nb", "/relative", "", null]) {
    assert.ok(!isSafeHref(bad), String(bad));
  }
});

test("raw HTML is text, never markup", () => {
  const markdown = '<script>alert(1)</script>\n<img src=x onerror="alert(1)">\n\n# <b>bold</b>';
  assert.deepEqual(parseMarkdown(markdown), [
    paragraph(text('<script>alert(1)</script>\n<img src=x onerror="alert(1)">')),
    { type: "heading", level: 1, children: [text("<b>bold</b>")] },
  ]);
  assert.equal(html(markdown), '<p>&lt;script>alert(1)&lt;/script>\n&lt;img src=x onerror="alert(1)"></p><h3>&lt;b>bold&lt;/b></h3>');
});

test("renders DOM with headings shifted, safe links and tight lists", () => {
  assert.equal(html("# Title\n## Sub\n#### Four\n###### Six"), "<h3>Title</h3><h4>Sub</h4><h6>Four</h6><h6>Six</h6>");
  assert.equal(html("Go [there](https://a.b) *now*  \nok"),
    '<p>Go <a href="https://a.b" rel="noopener noreferrer" target="_blank">there</a> <em>now</em><br></br>ok</p>');
  assert.equal(html("```python\nprint('<hi>')\n```"), "<pre><code class=\"language-python\">print('&lt;hi>')</code></pre>");
  assert.equal(html("```x\" onclick=\"y\na\n```"), "<pre><code>a</code></pre>");
  assert.equal(html("3. a\n4. b\n   - c\n\n> q\n\n---"),
    '<ol start="3"><li>a</li><li>b<ul><li>c</li></ul></li></ol><blockquote><p>q</p></blockquote><hr></hr>');
  assert.equal(html("- one\n\n  two"), "<ul><li><p>one</p><p>two</p></li></ul>");
});

test("the module never uses innerHTML or other HTML parsing", () => {
  const source = readFileSync(new URL("../../static/src/markdown.js", import.meta.url), "utf8");
  assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|DOMParser|document\.write|createContextualFragment/);
  assert.doesNotMatch(source, /^import /m);
});

test("any input parses and renders without throwing", () => {
  const alphabet = ["*", "_", "[", "]", "(", ")", "`", "~", "<", ">", "\\", "#", "-", "+", "1.", " ", "  ", "\n", "\t",
    "a", "b", "https://x.y", "javascript:", "!", "\"", "\r", "\0", "😀", "\u2028"];
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 3000; round += 1) {
    let markdown = "";
    const length = Math.floor(random() * 60);
    for (let i = 0; i < length; i += 1) markdown += alphabet[Math.floor(random() * alphabet.length)];
    const blocks = parseMarkdown(markdown);
    for (const node of walk(blocks)) if (node.type === "link") assert.ok(isSafeHref(node.href), markdown);
    renderMarkdown(markdown, fakeDocument);
  }
  for (const odd of [undefined, null, 42, "", "\n\n\n"]) assert.ok(Array.isArray(parseMarkdown(odd)));
});

test("adversarial 100 KB inputs parse fast and stay shallow", () => {
  const size = 100_000;
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
    backticks: Array.from({ length: 440 }, (_, i) => "`".repeat(i + 1) + "x").join(""),
    angles: "<http://".repeat(size / 8),
    quotes: ">".repeat(size),
    "quote-stairs": Array.from({ length: 4000 }, (_, i) => ">".repeat(i % 40) + " x").join("\n"),
    "list-stairs": Array.from({ length: 4000 }, (_, i) => " ".repeat(i % 30) + "- x").join("\n"),
    "heading-spaces": `# ${" ".repeat(size)}x`,
    "heading-hashes": `# a ${"#".repeat(size)}x`,
    backslashes: "\\".repeat(size),
  };
  for (const [name, markdown] of Object.entries(inputs)) {
    let blocks;
    let fastest = Infinity; // the best of three: a busy machine or a cold JIT must not fail the test
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      blocks = parseMarkdown(markdown);
      fastest = Math.min(fastest, performance.now() - started);
    }
    assert.ok(fastest < 200, `${name}: ${fastest.toFixed(0)} ms`); // quadratic work would take seconds
    let deepest = 0;
    const measure = (nodes, depth) => {
      for (const node of nodes) {
        deepest = Math.max(deepest, depth);
        if (node.children) measure(node.children, depth + 1);
        if (node.items) for (const item of node.items) measure(item, depth + 1);
      }
    };
    measure(blocks, 1);
    assert.ok(deepest <= 40, `${name}: nested ${deepest} deep`);
  }
});
