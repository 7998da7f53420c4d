// Starts `infrac lsp` for the .kdl files of the workspace. Everything the
// editor shows (diagnostics, hover, completion, definitions, quick fixes,
// formatting) comes from the server; this file only connects the two.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("infrac").get("path") || "infrac";
  const serverOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "kdl" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.kdl") },
  };
  client = new LanguageClient("infrac", "infrac", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("infrac.restartServer", () => client.restart())
  );
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `infrac: cannot start \`${command} lsp\` (${err.message}). Install infrac, or set "infrac.path".`
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
