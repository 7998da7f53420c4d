// Tokenizes KDL with the extension's TextMate grammar through vscode-textmate
// and Oniguruma, the engine VS Code itself uses, and checks the scopes of
// every construct of infrac's KDL. With files as arguments it also checks
// that each tokenizes with nothing marked invalid and every block, string
// and comment closed by the end.
//
// Usage: INFRAC_TOOLS=.tools node editors/vscode/test/grammar.js [FILE.kdl]...
"use strict";

const fs = require("fs");
const path = require("path");
const tools = path.resolve(process.env.INFRAC_TOOLS || path.join(__dirname, "../../../.tools"));
const modules = path.join(tools, "node/node_modules");
const vsctm = require(path.join(modules, "vscode-textmate"));
const oniguruma = require(path.join(modules, "vscode-oniguruma"));

const grammarPath = path.join(__dirname, "../syntaxes/infrac-kdl.tmLanguage.json");

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(modules, "vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  return registry.loadGrammar("source.kdl.infrac");
}

/// Every token of a text: its text and its scopes, line by line; and the
/// rule stack after the last line.
function tokenize(grammar, text) {
  let stack = vsctm.INITIAL;
  const tokens = [];
  text.split(/\r\n|\n/).forEach((line, number) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      tokens.push({ line: number + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = r.ruleStack;
  });
  return { tokens, stack };
}

// [source, [token text, a scope it must have (prefix), ...pairs]]
const cases = [
  ['droplet "web" region="ams3" size=(var)"size"', [
    ["droplet", "entity.name.tag.node"],
    ["web", null],
    ["region", "variable.other.property"],
    ["=", "keyword.operator.assignment"],
    ["ams3", "string.quoted.double"],
    ["var", "keyword.other.reference.infrac"],
  ]],
  ['record "www" value="${droplet.web.ipv4}" ttl=300', [
    ["record", "entity.name.tag.node"],
    ["${", "punctuation.section.interpolation.begin"],
    ["droplet.web.ipv4", "variable.other.reference.infrac"],
    ["300", "constant.numeric.decimal"],
  ]],
  ['note "$${literal}" hex=0xFF_FF oct=0o17 bin=0b1010 f=-1.5e3', [
    ["$${", "constant.character.escape.interpolation"],
    ["0xFF_FF", "constant.numeric.hex"],
    ["0o17", "constant.numeric.octal"],
    ["0b1010", "constant.numeric.binary"],
    ["-1.5e3", "constant.numeric.decimal"],
  ]],
  ['bucket "b" force-destroy=#true versioning=#null n=#-inf', [
    ["#true", "constant.language"],
    ["#null", "constant.language"],
    ["#-inf", "constant.language"],
  ]],
  ['bucket "b" force-destroy=true', [["true", "invalid.illegal.bare-keyword"]]],
  ['droplet "a" // the app server', [["// the app server", "comment.line.double-slash"]]],
  ['droplet /* a /* nested */ comment */ "a"', [
    ["droplet", "entity.name.tag.node"],
    [" comment ", "comment.block"],
    ["a", null],
  ]],
  ['/-droplet "old" region="x" { tag "t" }', [["droplet ", "comment.block.slashdash"], [" tag ", "comment.block.slashdash"]]],
  ['droplet "a" /-size="x" region="y"', [["region", "variable.other.property"]]],
  ['firewall "f" { inbound-rule protocol="tcp"; outbound-rule }', [
    ["firewall", "entity.name.tag.node"],
    ["inbound-rule", "entity.name.tag.node"],
    ["protocol", "variable.other.property"],
    ["outbound-rule", "entity.name.tag.node"],
  ]],
  ['user-data #"echo "hi" \\n"#', [['echo "hi" \\n', "string.quoted.raw"]]],
  ['text "a\\tb\\u{1F434}\\q"', [["\\t", "constant.character.escape"], ["\\u{1F434}", "constant.character.escape"], ["\\q", "invalid.illegal.escape"]]],
  ['(ref)"droplet.web" x=1', [["ref", "entity.name.type.annotation"]]],
  ['droplet "a" \\\n    region="ams3"', [["\\", "punctuation.separator.continuation"], ["region", "variable.other.property"]]],
  ['script """\n  one ${var.x}\n  two\n  """ size=1', [
    ["  one ", "string.quoted.triple"],
    ["var.x", "variable.other.reference.infrac"],
    ["size", "variable.other.property"],
  ]],
];

function hasScope(token, prefix) {
  return token.scopes.some((s) => s === prefix || s.startsWith(prefix + ".") || s.startsWith(prefix));
}

async function main() {
  const grammar = await loadGrammar();
  let failures = 0;
  for (const [source, expectations] of cases) {
    const { tokens } = tokenize(grammar, source);
    let from = 0;
    for (const [text, scope] of expectations) {
      const at = tokens.findIndex((t, i) => i >= from && t.text === text);
      if (at < 0) {
        failures++;
        console.error(`FAIL ${JSON.stringify(source)}: no token ${JSON.stringify(text)} in ${JSON.stringify(tokens.map((t) => t.text))}`);
        continue;
      }
      from = at + 1;
      const token = tokens[at];
      const ok = scope === null
        ? token.scopes.some((s) => s.startsWith("string.quoted.double"))
        : hasScope(token, scope);
      if (!ok) {
        failures++;
        console.error(`FAIL ${JSON.stringify(source)}: ${JSON.stringify(text)} has ${token.scopes.join(" ")}, wants ${scope || "string.quoted.double"}`);
      }
    }
  }
  for (const file of process.argv.slice(2)) {
    const { tokens, stack } = tokenize(grammar, fs.readFileSync(file, "utf8"));
    for (const t of tokens) {
      if (t.scopes.some((s) => s.startsWith("invalid"))) {
        failures++;
        console.error(`FAIL ${file}:${t.line}: ${JSON.stringify(t.text)} is marked ${t.scopes.join(" ")}`);
      }
    }
    if (stack.depth !== 1) {
      failures++;
      console.error(`FAIL ${file}: a block, string or comment is still open at the end (rule depth ${stack.depth})`);
    }
  }
  if (failures) {
    console.error(`${failures} failure(s)`);
    process.exit(1);
  }
  console.log(`ok: ${cases.length} samples, ${process.argv.length - 2} files`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
