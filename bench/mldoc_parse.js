// Parse every markdown file of a graph with mldoc, the parser Logseq calls,
// using the options Logseq's graph-parser passes. Prints seconds spent in mldoc.
// Usage: node mldoc_parse.js MLDOC_MODULE_DIR FILE...
const path = require("path");
const fs = require("fs");
const { Mldoc } = require(path.resolve(process.argv[2]));
const config = JSON.stringify({
  toc: false, parse_outline_only: false, heading_number: false, keep_line_break: true,
  format: "Markdown", heading_to_list: false, export_md_remove_options: [],
});
const files = process.argv.slice(3).map((f) => fs.readFileSync(f, "utf8"));
const start = process.hrtime.bigint();
let blocks = 0;
for (const text of files) {
  const ast = JSON.parse(Mldoc.parseJson(text, config));
  blocks += ast.filter((node) => node[0][0] === "Heading").length;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ seconds, blocks }));
