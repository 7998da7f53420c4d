//! `infrac lsp`: a language server over stdio. Built on rust-analyzer's
//! `lsp-server` (a synchronous JSON-RPC transport: no async runtime to
//! build or reason about; a request is answered from one compilation, which
//! takes milliseconds) and `lsp-types`.
//!
//! Open documents are kept in memory and read instead of the disk; every
//! change compiles the document's project again and publishes the
//! diagnostics `infrac check` prints, for every file of the project.

mod complete;
mod diagnostics;
mod fixes;
mod navigate;
mod position;

use crate::disk::{project_root, Disk};
use crate::load::World;
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification, request, OneOf, ServerCapabilities, TextDocumentSyncKind, Url};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use position::LineIndex;

/// The project's files as the editor has them: open documents from
/// memory, the rest from disk.
pub struct Overlay<'a> {
    pub disk: Disk,
    pub open: &'a BTreeMap<PathBuf, String>,
}

impl World for Overlay<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        if let Some(text) = self.open.get(&self.disk.root.join(path)) {
            return Ok(text.clone());
        }
        self.disk.read(path)
    }
}

struct Server {
    connection: Connection,
    /// Open documents by absolute path.
    open: BTreeMap<PathBuf, String>,
    /// Each open document as it last parsed: what navigation and
    /// completion read while a line is being typed.
    parsed: BTreeMap<PathBuf, String>,
    /// Per project root, the files last published with diagnostics (to
    /// clear them when they have none).
    published: BTreeMap<PathBuf, BTreeSet<Url>>,
}

pub fn run() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncKind::FULL.into()),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), ".".into()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let capabilities = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    connection
        .initialize(capabilities)
        .map_err(|e| format!("the editor did not initialise the server: {e}"))?;
    let mut server = Server {
        connection,
        open: BTreeMap::new(),
        parsed: BTreeMap::new(),
        published: BTreeMap::new(),
    };
    server.serve()?;
    drop(server);
    threads.join().map_err(|e| e.to_string())
}

fn path_of(uri: &Url) -> Option<PathBuf> {
    uri.to_file_path().ok()
}

impl Server {
    fn serve(&mut self) -> Result<(), String> {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(req) => {
                    if self
                        .connection
                        .handle_shutdown(&req)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let response = self.request(req);
                    self.send(response.into());
                }
                Message::Notification(n) => self.notification(n),
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, message: Message) {
        // The editor has gone: the loop ends when the channel closes.
        let _ = self.connection.sender.send(message);
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            request::Formatting::METHOD => self
                .with_params(req, |s, p: lsp_types::DocumentFormattingParams| {
                    s.format(&p.text_document.uri)
                }),
            request::DocumentSymbolRequest::METHOD => {
                self.with_params(req, |s, p: lsp_types::DocumentSymbolParams| {
                    let text = s.text(&p.text_document.uri)?;
                    serde_json::to_value(navigate::symbols(&text)).ok()
                })
            }
            request::GotoDefinition::METHOD => {
                self.with_params(req, |s, p: lsp_types::GotoDefinitionParams| {
                    let at = p.text_document_position_params;
                    let location =
                        s.at(&at.text_document.uri, at.position, navigate::definition)?;
                    serde_json::to_value(location).ok()
                })
            }
            request::HoverRequest::METHOD => {
                self.with_params(req, |s, p: lsp_types::HoverParams| {
                    let at = p.text_document_position_params;
                    let hover = s.at(&at.text_document.uri, at.position, navigate::hover)?;
                    serde_json::to_value(hover).ok()
                })
            }
            request::CodeActionRequest::METHOD => {
                self.with_params(req, |_, p: lsp_types::CodeActionParams| {
                    let actions = fixes::quick_fixes(&p.text_document.uri, &p.context.diagnostics);
                    serde_json::to_value(actions).ok()
                })
            }
            request::Completion::METHOD => {
                self.with_params(req, |s, p: lsp_types::CompletionParams| {
                    let at = p.text_document_position;
                    let items = s.at(&at.text_document.uri, at.position, complete::complete)?;
                    serde_json::to_value(items).ok()
                })
            }
            _ => {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("infrac does not answer `{}`", req.method),
                )
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value.unwrap_or(serde_json::Value::Null)),
            Err(why) => Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, why),
        }
    }

    fn with_params<P: serde::de::DeserializeOwned>(
        &mut self,
        req: Request,
        answer: impl FnOnce(&mut Self, P) -> Option<serde_json::Value>,
    ) -> Result<Option<serde_json::Value>, String> {
        let params: P = serde_json::from_value(req.params).map_err(|e| e.to_string())?;
        Ok(answer(self, params))
    }

    fn text(&self, uri: &Url) -> Option<String> {
        let path = path_of(uri)?;
        match self.open.get(&path) {
            Some(t) => Some(t.clone()),
            None => std::fs::read_to_string(path).ok(),
        }
    }

    /// Answers a question about a position with the document's project.
    fn at<T>(
        &self,
        uri: &Url,
        position: lsp_types::Position,
        answer: impl FnOnce(&navigate::Context, usize) -> Option<T>,
    ) -> Option<T> {
        let path = path_of(uri)?;
        let text = self.text(uri)?;
        let root = project_root(&path).ok()?;
        let world = Overlay {
            disk: Disk { root: root.clone() },
            open: &self.parsed,
        };
        let relative = path
            .strip_prefix(&root)
            .ok()?
            .to_string_lossy()
            .replace('\\', "/");
        let context = navigate::Context::new(&world, &root, &relative, &text);
        let offset = LineIndex::new(&text).offset(&text, position);
        answer(&context, offset)
    }

    fn format(&self, uri: &Url) -> Option<serde_json::Value> {
        let text = self.text(uri)?;
        let formatted = crate::formatter::format(&text).ok()?;
        if formatted == text {
            return serde_json::to_value(Vec::<lsp_types::TextEdit>::new()).ok();
        }
        let index = LineIndex::new(&text);
        let edit = lsp_types::TextEdit {
            range: index.range(&text, 0, text.len()),
            new_text: formatted,
        };
        serde_json::to_value(vec![edit]).ok()
    }

    fn notification(&mut self, n: Notification) {
        let changed = match n.method.as_str() {
            notification::DidOpenTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                    .ok()
                    .and_then(|p| {
                        let path = path_of(&p.text_document.uri)?;
                        self.open.insert(path.clone(), p.text_document.text);
                        Some(path)
                    })
            }
            notification::DidChangeTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                    .ok()
                    .and_then(|p| {
                        let path = path_of(&p.text_document.uri)?;
                        // Full synchronisation: the last change is the text.
                        let text = p.content_changes.into_iter().last()?.text;
                        self.open.insert(path.clone(), text);
                        Some(path)
                    })
            }
            notification::DidSaveTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                    .ok()
                    .and_then(|p| path_of(&p.text_document.uri))
            }
            notification::DidCloseTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                    .ok()
                    .and_then(|p| {
                        let path = path_of(&p.text_document.uri)?;
                        self.open.remove(&path);
                        Some(path)
                    })
            }
            _ => None,
        };
        if let Some(path) = changed {
            let parses = self.publish(&path);
            match self.open.get(&path) {
                Some(text) if parses => {
                    self.parsed.insert(path, text.clone());
                }
                Some(_) => {}
                None => {
                    self.parsed.remove(&path);
                }
            }
        }
    }

    /// Compiles the project of `path` and publishes every file's
    /// diagnostics (an empty list for a file that no longer has any).
    /// Whether `path` parses.
    fn publish(&mut self, path: &Path) -> bool {
        let Ok(root) = project_root(path) else {
            return false;
        };
        let world = Overlay {
            disk: Disk { root: root.clone() },
            open: &self.open,
        };
        let found = diagnostics::of_project(&world, &root);
        let this = Url::from_file_path(path).ok();
        let parses = !found.unparsed.iter().any(|u| Some(u) == this.as_ref());
        let by_file = found.by_file;
        let before = self.published.remove(&root).unwrap_or_default();
        let mut now = BTreeSet::new();
        for (uri, diagnostics) in by_file {
            now.insert(uri.clone());
            self.notify::<notification::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version: None,
            });
        }
        for uri in before.difference(&now) {
            self.notify::<notification::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics: Vec::new(),
                version: None,
            });
        }
        // The document itself always gets an answer, so an editor knows
        // it was checked.
        if let Ok(uri) = Url::from_file_path(path) {
            if !now.contains(&uri) {
                self.notify::<notification::PublishDiagnostics>(
                    lsp_types::PublishDiagnosticsParams {
                        uri,
                        diagnostics: Vec::new(),
                        version: None,
                    },
                );
            }
        }
        self.published.insert(root, now);
        parses
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }
}
