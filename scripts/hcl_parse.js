// Parses every .tf file given with HashiCorp's HCL v2 parser (Go, compiled
// to WASM, from @cdktf/hcl2json) and prints its JSON form, one per file,
// as {"file": ..., "json": ...} lines; exits 1 on the first parse error.
const path = require("path");
const fs = require("fs");
const { parse } = require(path.join(process.env.INFRAC_TOOLS, "node/node_modules/@cdktf/hcl2json"));

(async () => {
  for (const file of process.argv.slice(2)) {
    try {
      const json = await parse(file, fs.readFileSync(file, "utf8"));
      process.stdout.write(JSON.stringify({ file, json }) + "\n");
    } catch (e) {
      console.error(`FAIL ${file}: ${e}`);
      process.exit(1);
    }
  }
})();
