//! The language server, driven as an editor drives it: JSON-RPC messages
//! over the real binary's stdin and stdout.

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            input,
            output,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.output.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "the server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.output.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    /// `initialize` for a project folder, then `initialized`.
    fn initialize(&mut self, dir: &Path) -> Value {
        let init = self.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(dir), "capabilities": {}}),
        );
        self.notify("initialized", json!({}));
        init
    }

    /// `shutdown` and `exit`: the server ends cleanly.
    fn shut_down(mut self) {
        self.request("shutdown", json!(null));
        self.notify("exit", json!(null));
        assert!(self.child.wait().unwrap().success());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

/// An empty folder of its own for a test's project.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

const PROJECT: &str = r#"provider "digitalocean" token=(secret)"do_token"
domain "example.com"
droplet "web" region="ams3" size="s-1vcpu-1gb" image="ubuntu-24-04-x64" user-data="🐴🐴" sise="x"
record "www" domain=(ref)"domain.example.com" type="A" value=(ref)"droplet.web.ipv4-address"
"#;

#[test]
fn an_editor_session() {
    let dir = scratch("infrac-lsp");
    let file = dir.join("infra.kdl");
    std::fs::write(&file, "").unwrap();
    let doc = uri(&file);
    let mut c = Client::start();

    let init = c.initialize(&dir);
    assert_eq!(
        init["capabilities"]["documentFormattingProvider"],
        json!(true)
    );

    // Diagnostics on open: the misspelt attribute, in UTF-16 columns (each
    // horse is two units), with its code and help.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "kdl", "version": 1, "text": PROJECT}}),
    );
    let found = c.diagnostics_for(&doc);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "E003");
    let line = PROJECT.lines().nth(2).unwrap();
    let column = line[..line.find("sise").unwrap()].encode_utf16().count();
    assert_eq!(
        found[0]["range"]["start"],
        json!({"line": 2, "character": column})
    );
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `size`"));
    assert!(found[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("#e003-unknown-attribute"));
    // Its quick fix writes `size` where `sise` is.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": found[0]["range"], "context": {"diagnostics": found}}),
    );
    assert_eq!(actions[0]["title"], "Change `sise` to `size`");
    let edit = &actions[0]["edit"]["changes"][&doc][0];
    assert_eq!(edit["newText"], "size");
    assert_eq!(
        edit["range"]["start"],
        json!({"line": 2, "character": column})
    );

    // An unused variable is tagged unnecessary (editors fade it).
    let unused = format!("{PROJECT}var \"spare\" default=\"x\"\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": unused}]}),
    );
    let found = c.diagnostics_for(&doc);
    let warning = found.iter().find(|d| d["code"] == "W001").unwrap();
    assert_eq!(warning["tags"], json!([1]));

    // A change that fixes it clears them; the disk was never read for it.
    let fixed = PROJECT.replace(" sise=\"x\"", "");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert!(c.diagnostics_for(&doc).is_empty());

    // Go to definition and hover on a reference; hover on a kind.
    let record = fixed.lines().nth(3).unwrap();
    let at = |needle: &str| json!({"line": 3, "character": record.find(needle).unwrap() + 3});
    let position = |p: Value| json!({"textDocument": {"uri": doc}, "position": p});
    let definition = c.request("textDocument/definition", position(at("droplet.web")));
    assert_eq!(definition["uri"], json!(doc));
    assert_eq!(definition["range"]["start"]["line"], 2);
    let hover = c.request("textDocument/hover", position(at("droplet.web")));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("infra.kdl:3"),
        "{hover}"
    );
    let hover = c.request(
        "textDocument/hover",
        position(json!({"line": 2, "character": 2})),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("digitalocean_droplet"),
        "{hover}"
    );
    // On an attribute: required or not, the provider's words, the values,
    // and whether changing it replaces the resource.
    let droplet = fixed.lines().nth(2).unwrap();
    let region = json!({"line": 2, "character": droplet.find("region").unwrap() + 1});
    let hover = c.request("textDocument/hover", position(region));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("`region` (optional)") && text.contains("ams3"),
        "{text}"
    );
    assert!(text.contains("Changing it replaces the resource"), "{text}");

    // Completion: kinds where a node starts, attributes after a kind,
    // declarations in a reference.
    let typed = format!("{fixed}drop\nrecord \"x\" value=(ref)\"dr\ndroplet \"db\" re\ndroplet \"c\" region=\"fr\nrecord \"y\" value=(ref)\"droplet.web.ipv");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 3}, "contentChanges": [{"text": typed}]}),
    );
    c.diagnostics_for(&doc);
    let labels = |items: Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let kinds = labels(c.request(
        "textDocument/completion",
        position(json!({"line": 4, "character": 4})),
    ));
    assert!(kinds.contains(&"droplet".to_string()) && kinds.contains(&"site".to_string()));
    let refs = labels(c.request(
        "textDocument/completion",
        position(json!({"line": 5, "character": 25})),
    ));
    assert_eq!(refs, ["droplet.web"]);
    let attributes = labels(c.request(
        "textDocument/completion",
        position(json!({"line": 6, "character": 15})),
    ));
    assert!(attributes.contains(&"region".to_string()) && attributes.contains(&"size".to_string()));
    let regions = labels(c.request(
        "textDocument/completion",
        position(json!({"line": 7, "character": 25})),
    ));
    assert!(
        regions.contains(&"fra1".to_string()) && regions.contains(&"nyc3".to_string()),
        "{regions:?}"
    );
    let exported = labels(c.request(
        "textDocument/completion",
        position(json!({"line": 8, "character": 37})),
    ));
    assert!(
        exported.contains(&"droplet.web.ipv4-address".to_string()),
        "{exported:?}"
    );

    // Definitions in another file: an import, and what it declares.
    std::fs::write(dir.join("dns.kdl"), "domain \"example.org\"\n").unwrap();
    let imports = "provider \"digitalocean\" token=(secret)\"do_token\"\nimport \"dns.kdl\"\nrecord \"w\" domain=(ref)\"domain.example.org\" type=\"A\" value=\"192.0.2.1\"\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 4}, "contentChanges": [{"text": imports}]}),
    );
    assert!(c.diagnostics_for(&doc).is_empty());
    let dns = uri(&dir.join("dns.kdl"));
    let to_file = c.request(
        "textDocument/definition",
        position(json!({"line": 1, "character": 10})),
    );
    assert_eq!(to_file["uri"], json!(dns));
    let to_zone = c.request(
        "textDocument/definition",
        position(json!({"line": 2, "character": 30})),
    );
    assert_eq!(to_zone["uri"], json!(dns));
    assert_eq!(
        to_zone["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    // Formatting, and the outline.
    let messy = "droplet   \"web\"  region=\"ams3\" {\n  tags \"a\"\n}\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 4}, "contentChanges": [{"text": messy}]}),
    );
    c.diagnostics_for(&doc);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": doc}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"],
        "droplet \"web\" region=\"ams3\" {\n    tags \"a\"\n}\n"
    );
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": doc}}),
    );
    assert_eq!(symbols[0]["name"], "droplet web");
    assert_eq!(symbols[0]["children"][0]["name"], "tags a");

    c.shut_down();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Completion knows where it is: a firewall's rule blocks and their
/// attributes and values, a site's children, components after `use` and
/// their parameters, variables after `(var)"`, and a component's
/// parameters inside its body.
#[test]
fn completion_follows_blocks_components_and_variables() {
    let dir = scratch("infrac-lsp-scope");
    let file = dir.join("infra.kdl");
    let text = r#"provider "digitalocean" token=(secret)"do_token"
var "region" default="ams3"
component "node" {
    param "size" default="s-1vcpu-1gb"
    droplet "n" size="${}"
}
firewall "f" droplets=(ref)"droplet.web" {
    
    inbound-rule 
    outbound-rule protocol="
}
site "s" on=(ref)"droplet.web" {
    
}
use "dr
use "droplet-pool" 
droplet "web" region=(var)"re
"#;
    std::fs::write(&file, text).unwrap();
    let doc = uri(&file);
    let mut c = Client::start();
    c.initialize(&dir);
    // The document as it last parsed, then as it is being typed.
    let parsed =
        "provider \"digitalocean\" token=(secret)\"do_token\"\nvar \"region\" default=\"ams3\"\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "kdl", "version": 1, "text": parsed}}),
    );
    c.diagnostics_for(&doc);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    c.diagnostics_for(&doc);
    let mut complete = |line: usize| -> Vec<String> {
        let character = text.lines().nth(line).unwrap().encode_utf16().count();
        let items = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": doc}, "position": {"line": line, "character": character}}),
        );
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let has = |items: &[String], wanted: &[&str]| {
        for w in wanted {
            assert!(items.iter().any(|i| i == w), "no {w} in {items:?}");
        }
    };
    // Inside `${` in a component's body: its parameter, with declarations.
    let in_body = complete(4).iter().position(|i| i == "size");
    assert!(in_body.is_some());
    // A node starting in a firewall: its blocks, not every kind.
    let firewall = complete(7);
    has(
        &firewall,
        &["inbound-rule", "outbound-rule", "inbound", "name"],
    );
    assert!(!firewall.iter().any(|i| i == "droplet"), "{firewall:?}");
    // After a block's name: the block's attributes, aliases included.
    let rule = complete(8);
    has(
        &rule,
        &[
            "protocol",
            "port-range",
            "ports",
            "source-addresses",
            "from-addresses",
        ],
    );
    assert!(!rule.iter().any(|i| i == "inbound-rule"), "{rule:?}");
    // A block attribute's allowed values.
    has(&complete(9), &["tcp", "udp", "icmp"]);
    // A site's children.
    has(&complete(12), &["host", "proxy", "redirect", "static"]);
    // Components after `use "`, then a component's parameters.
    assert_eq!(complete(14), ["droplet-pool"]);
    has(&complete(15), &["name", "regions", "per-region"]);
    // Variables after `(var)"`.
    assert_eq!(complete(16), ["region"]);

    c.shut_down();
    let _ = std::fs::remove_dir_all(&dir);
}

/// An example opened in the editor: no diagnostics, already formatted, a
/// variable and a component found across files, a kind hovered.
#[test]
fn an_example_in_the_editor() {
    let dir = common::repo_root().join("examples/wesync");
    let servers = dir.join("servers.kdl");
    let text = std::fs::read_to_string(&servers).unwrap();
    let doc = uri(&servers);
    let mut c = Client::start();
    c.initialize(&dir);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "kdl", "version": 1, "text": text}}),
    );
    assert_eq!(c.diagnostics_for(&doc), Vec::<Value>::new());
    let at = |needle: &str, shift: usize| {
        let (line, l) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .unwrap();
        let character = l[..l.find(needle).unwrap() + shift].encode_utf16().count();
        json!({"textDocument": {"uri": doc}, "position": {"line": line, "character": character}})
    };
    // `(var)"region"` is declared in infra.kdl with `var "region"`.
    let var = c.request("textDocument/definition", at("(var)\"region\"", 8));
    assert_eq!(var["uri"], json!(uri(&dir.join("infra.kdl"))));
    let infra = std::fs::read_to_string(dir.join("infra.kdl")).unwrap();
    let line = var["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        infra
            .lines()
            .nth(line)
            .unwrap()
            .starts_with("var \"region\""),
        "{var}"
    );
    // `use "server"` is the stdlib's component: built into infrac, so
    // hover describes it.
    let component = c.request("textDocument/hover", at("use \"server\"", 6));
    let about = component["contents"]["value"].as_str().unwrap();
    assert!(
        about.contains("server") && about.contains("region"),
        "{about}"
    );
    let param = c.request("textDocument/hover", at("size=\"s-1vcpu-2gb\"", 1));
    let about = param["contents"]["value"].as_str().unwrap();
    assert!(about.starts_with("`size` (string, optional)"), "{about}");
    let hover = c.request("textDocument/hover", at("volume \"data-pg\"", 2));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("digitalocean_volume"),
        "{hover}"
    );
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": doc}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]), "the example is formatted");
    // A change in memory (the file on disk is never written): a misspelt
    // attribute, its diagnostic and quick fix, and completion of the
    // volume's attributes on a new line.
    let typed = text.replacen("initial-filesystem-type=", "initial-filesystem-tpye=", 1)
        + "volume \"scratch\" ";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": typed}]}),
    );
    let found = c.diagnostics_for(&doc);
    let misspelt = found
        .iter()
        .find(|d| d["code"] == "E003")
        .unwrap_or_else(|| panic!("{found:?}"));
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": misspelt["range"], "context": {"diagnostics": [misspelt]}}),
    );
    assert_eq!(
        actions[0]["title"],
        "Change `initial-filesystem-tpye` to `initial-filesystem-type`"
    );
    let last = typed.lines().count() - 1;
    let character = typed.lines().last().unwrap().encode_utf16().count();
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": doc}, "position": {"line": last, "character": character}}),
    );
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["label"] == "snapshot-id"),
        "{items}"
    );
    assert_eq!(std::fs::read_to_string(&servers).unwrap(), text);
    c.shut_down();
}
