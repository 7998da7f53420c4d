//! Lower stage: KDL nodes → the typed model. Checks the shape of each
//! declaration (which nodes and properties exist, literal types, template
//! syntax); knows nothing of providers.

use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::kinds::Registry;
use crate::model::*;
use crate::parse::{Entry, Literal, Node, Prop};
use crate::source::Span;
use smol_str::SmolStr;

/// Words that start a node and are not kinds.
pub const KEYWORDS: &[&str] = &[
    "var",
    "secret",
    "input",
    "provider",
    "backend",
    "component",
    "use",
    "output",
    "environment",
    "import",
    "data",
    "external",
];

/// Properties of a resource or `use` that steer expansion.
const META_PROPS: &[&str] = &[
    "count",
    "for-each",
    "if",
    "import-id",
    "moved-from",
    "provider",
];
const META_CHILDREN: &[&str] = &["for-each", "import-ids", "depends-on", "ignore-changes"];

pub fn lower(
    nodes: &[Node],
    stdlib: &[Node],
    kinds: &Registry,
    diags: &mut Diagnostics,
) -> Project {
    let mut project = Project::default();
    let mut l = Lowerer { kinds, diags };
    for node in nodes {
        l.top_level(node, &mut project);
    }
    // Changes to the project's backend need one, whichever environment
    // is built.
    if project.backend.is_none() {
        for env in &project.environments {
            if let Some(b) = env.backend.as_ref().filter(|b| b.kind.is_none()) {
                l.err(
                    Diagnostic::error(
                        Code::MissingRequired,
                        format!("environment `{}` changes the backend, but the project declares none", env.name),
                    )
                    .at(b.span, "no backend to change")
                    .help("declare the project's `backend \"s3\" …` at the top level, or give this one its type: `backend \"s3\" bucket=… key=…`"),
                );
            }
        }
    }
    for node in stdlib {
        if node.name == "component" {
            if let Some(c) = l.component(node) {
                // A project's own component of the same name wins.
                if !project.components.iter().any(|p| p.name == c.name) {
                    project.components.push(c);
                }
            }
        }
    }
    project
}

struct Lowerer<'a> {
    kinds: &'a Registry,
    diags: &'a mut Diagnostics,
}

impl Lowerer<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn top_level(&mut self, node: &Node, project: &mut Project) {
        match node.name.as_str() {
            "var" => {
                if let Some(v) = self.var(node) {
                    project.vars.push(v);
                }
            }
            keyword @ ("secret" | "input") => {
                if let Some((name, name_span)) = self.label(node, keyword) {
                    if !crate::resolve::valid_secret_name(&name) {
                        self.err(crate::expand::bad_secret_name(&name, name_span));
                    }
                    self.only_props(node, &["description"]);
                    self.no_children(node);
                    project.secrets.push(SecretDecl {
                        name: name.into(),
                        name_span,
                        description: self.description(node),
                        sensitive: keyword == "secret",
                        span: node.span,
                    });
                }
            }
            "provider" => {
                if let Some((name, name_span)) = self.label(node, "provider") {
                    project.providers.push(ProviderDecl {
                        name: name.into(),
                        name_span,
                        props: node.props.iter().map(|p| self.field(p)).collect(),
                        children: node.children.iter().map(|c| self.child(c)).collect(),
                        span: node.span,
                    });
                }
            }
            "backend" => {
                let decl = self.backend(node, true);
                match (&project.backend, decl) {
                    (Some(first), Some(again)) => self.err(
                        Diagnostic::error(Code::DuplicateName, "the project has two backends")
                            .at(again.span, "declared again here")
                            .also(first.span, "first declared here")
                            .help("a Terraform configuration keeps its state in one place: keep one `backend`; an environment changes it inside its `environment` block"),
                    ),
                    (None, decl) => project.backend = decl,
                    _ => {}
                }
            }
            "component" => {
                if let Some(c) = self.component(node) {
                    project.components.push(c);
                }
            }
            "environment" => {
                if let Some((name, name_span)) = self.label(node, "environment") {
                    // Blocks of one environment (in several files, say) merge.
                    let at = match project.environments.iter().position(|e| e.name == name) {
                        Some(at) => at,
                        None => {
                            project.environments.push(EnvironmentDecl {
                                name: name.to_string(),
                                name_span,
                                values: Vec::new(),
                                backend: None,
                                patches: Vec::new(),
                                outputs: Vec::new(),
                                span: node.span,
                            });
                            project.environments.len() - 1
                        }
                    };
                    let mut values: Vec<Field> =
                        std::mem::take(&mut project.environments[at].values);
                    let mut patches = Vec::new();
                    self.only_props(node, &[]);
                    for c in &node.children {
                        if c.name == "output" {
                            if let Some(o) = self.output(c) {
                                project.environments[at].outputs.push(Item::Output(o));
                            }
                            continue;
                        }
                        if c.name == "backend" {
                            let decl = self.backend(c, false);
                            if let Some(first) = &project.environments[at].backend {
                                self.err(
                                    Diagnostic::error(
                                        Code::DuplicateName,
                                        format!("environment `{name}` has two backends"),
                                    )
                                    .at(c.span, "declared again here")
                                    .also(first.span, "first declared here")
                                    .help("keep one `backend` in the environment"),
                                );
                            } else {
                                project.environments[at].backend = decl;
                            }
                            continue;
                        }
                        if c.name != "var" {
                            if let Some(patch) = self.patch(c, "an environment") {
                                patches.push(patch);
                            }
                            continue;
                        }
                        if c.args.len() != 2 || !c.props.is_empty() {
                            self.err(
                                Diagnostic::error(Code::UnknownAttribute, "an environment holds `var NAME VALUE` lines, overrides of declarations and outputs")
                                    .at(c.span, "not a `var NAME VALUE` line")
                                    .help("write `var \"size\" \"s-2vcpu-4gb\"` to set a variable in this environment"),
                            );
                            continue;
                        }
                        let Literal::Str(var) = &c.args[0].value else {
                            self.err(
                                Diagnostic::error(
                                    Code::WrongType,
                                    "the variable name must be a string",
                                )
                                .at(c.args[0].span, "not a string")
                                .help("write `var \"size\" \"s-2vcpu-4gb\"`"),
                            );
                            continue;
                        };
                        if let Some(first) = values.iter().find(|f| f.name == var.as_str()) {
                            self.err(
                                Diagnostic::error(
                                    Code::DuplicateName,
                                    format!("environment `{name}` sets `{var}` twice"),
                                )
                                .at(c.args[0].span, "set again here")
                                .also(first.name_span, "first set here")
                                .help("keep one of the two values"),
                            );
                            continue;
                        }
                        values.push(Field {
                            name: SmolStr::new(var),
                            name_span: c.args[0].span,
                            value: self.expr(&c.args[1]),
                        });
                    }
                    let env = &mut project.environments[at];
                    env.values = values;
                    env.patches.extend(patches);
                }
            }
            _ => {
                if let Some(item) = self.item(node) {
                    project.items.push(item);
                }
            }
        }
    }

    /// `backend "TYPE" …`; in an environment the type may be left out, to
    /// change only some settings of the project's backend.
    fn backend(&mut self, node: &Node, needs_type: bool) -> Option<BackendDecl> {
        let kind = match node.args.as_slice() {
            [] if !needs_type => None,
            [a] => match &a.value {
                Literal::Str(s) => Some((s.to_string(), a.span)),
                _ => {
                    self.err(
                        Diagnostic::error(Code::WrongType, "a backend's type is a string")
                            .at(a.span, "not a string")
                            .help("write `backend \"s3\" bucket=\"…\" key=\"…\"`"),
                    );
                    return None;
                }
            },
            _ => {
                self.err(
                    Diagnostic::error(Code::UnknownAttribute, "`backend` takes its type and settings")
                        .at(node.span, if needs_type { "one type expected" } else { "at most one type expected" })
                        .help("write `backend \"s3\" bucket=\"…\" key=\"…\"` (types: s3, gcs, azurerm, http, local, remote, cloud, consul, pg, kubernetes)"),
                );
                return None;
            }
        };
        Some(BackendDecl {
            kind,
            props: node.props.iter().map(|p| self.field(p)).collect(),
            children: node.children.iter().map(|c| self.child(c)).collect(),
            span: node.span,
        })
    }

    /// A resource, a `use` or an `output`: what may appear at top level and
    /// inside components.
    fn item(&mut self, node: &Node) -> Option<Item> {
        match node.name.as_str() {
            "use" => self.use_decl(node).map(|u| Item::Use(Box::new(u))),
            "output" => self.output(node).map(Item::Output),
            "data" => self.data(node).map(Item::Resource),
            "external" => self.external(node).map(Item::Resource),
            kind if STAGE_KINDS.contains(&kind) || self.kinds.get(kind).is_some() => {
                self.resource(node).map(Item::Resource)
            }
            other => {
                let names = self.kinds.all_names();
                let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
                candidates.extend(KEYWORDS);
                candidates.extend(STAGE_KINDS);
                self.err(
                    Diagnostic::error(Code::UnknownKind, format!("unknown kind `{other}`"))
                        .at(node.name_span, "not a resource kind or keyword")
                        .help(suggest(other, &candidates, "`infrac kinds` lists every kind: the curated ones and every resource type of a vendored provider in kebab case (`aws-sqs-queue`); components are used with `use \"NAME\"`.")),
                );
                None
            }
        }
    }

    /// `data "aws-ami" "ubuntu" …`: a data source, lowered as a resource of
    /// the kind `data.aws-ami` named `ubuntu`.
    fn data(&mut self, node: &Node) -> Option<ResourceDecl> {
        let example = "write the data source's type and a name: `data \"aws-ami\" \"ubuntu\" most-recent=#true`";
        let (ty, ty_span) = match node.args.first() {
            Some(Entry {
                value: Literal::Str(s),
                span,
                ty: None,
            }) if node.args.len() >= 2 => (s.clone(), *span),
            _ => {
                self.err(
                    Diagnostic::error(
                        Code::UnknownKind,
                        "`data` takes a data source type and a name",
                    )
                    .at(node.name_span, "incomplete")
                    .help(example),
                );
                return None;
            }
        };
        let kind = format!("{}{ty}", crate::kinds::generic::DATA);
        if self.kinds.get(&kind).is_none() {
            let names = crate::kinds::generic::data_names();
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            self.err(
                Diagnostic::error(Code::UnknownKind, format!("unknown data source `{ty}`"))
                    .at(ty_span, "not a data source of a vendored provider")
                    .help(suggest(&ty, &candidates, "data sources are named by their Terraform type in kebab case (`aws_ami` is `aws-ami`); `infrac kinds` lists them")),
            );
            return None;
        }
        let not_for_data = node
            .props
            .iter()
            .map(|p| (p.name.as_str(), p.name_span))
            .chain(node.children.iter().map(|c| (c.name.as_str(), c.name_span)))
            .find(|(n, _)| matches!(*n, "import-id" | "import-ids" | "ignore-changes"));
        if let Some((name, span)) = not_for_data {
            self.err(
                Diagnostic::error(Code::UnknownAttribute, format!("a data source takes no `{name}`"))
                    .at(span, "not for a data source")
                    .help("a data source is read at every plan: it is never imported or changed, so it has nothing to adopt or to ignore"),
            );
            return None;
        }
        let mut resource = node.clone();
        resource.name = SmolStr::new(&kind);
        resource.name_span = ty_span;
        resource.args.remove(0);
        self.resource(&resource)
    }

    /// `external "droplet" "old"`: a resource that hand-written Terraform
    /// in the same folder declares (`digitalocean_droplet.old`), known to
    /// references, the graph and `diff`; nothing is written for it.
    fn external(&mut self, node: &Node) -> Option<ResourceDecl> {
        let example = "write the kind and the name the hand-written Terraform gives it: `external \"droplet\" \"old\"` for `digitalocean_droplet.old`";
        let (kind, kind_span) = match node.args.first() {
            Some(Entry {
                value: Literal::Str(s),
                span,
                ty: None,
            }) if node.args.len() == 2 => (s.clone(), *span),
            _ => {
                self.err(
                    Diagnostic::error(Code::UnknownKind, "`external` takes a kind and a name")
                        .at(node.name_span, "incomplete")
                        .help(example),
                );
                return None;
            }
        };
        if self.kinds.get(&kind).is_none() {
            let names = self.kinds.all_names();
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            self.err(
                Diagnostic::error(Code::UnknownKind, format!("unknown kind `{kind}`"))
                    .at(kind_span, "not a resource kind")
                    .help(suggest(&kind, &candidates, example)),
            );
            return None;
        }
        if let Some(extra) = node
            .props
            .iter()
            .map(|p| (p.name.as_str(), p.name_span))
            .chain(node.children.iter().map(|c| (c.name.as_str(), c.name_span)))
            .next()
        {
            self.err(
                Diagnostic::error(
                    Code::UnknownAttribute,
                    format!("an external resource takes no `{}`", extra.0),
                )
                .at(extra.1, "its Terraform is written by hand")
                .help("its attributes are in the hand-written Terraform; infrac only refers to it"),
            );
            return None;
        }
        let mut resource = node.clone();
        resource.name = kind;
        resource.name_span = kind_span;
        resource.args.remove(0);
        let mut decl = self.resource(&resource)?;
        decl.meta = Some(Box::new(Meta {
            external: true,
            ..Meta::default()
        }));
        Some(decl)
    }

    fn label(&mut self, node: &Node, what: &str) -> Option<(SmolStr, Span)> {
        match node.args.first() {
            Some(Entry {
                value: Literal::Str(s),
                span,
                ty: None,
            }) if !s.is_empty() => {
                if node.args.len() > 1 {
                    self.err(
                        Diagnostic::error(
                            Code::UnknownAttribute,
                            format!("`{what}` takes one name"),
                        )
                        .at(node.args[1].span, "unexpected value")
                        .help("attributes are written as properties: `name=value`"),
                    );
                }
                Some((s.clone(), *span))
            }
            Some(e) => {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("the name of a `{what}` must be a non-empty string"),
                    )
                    .at(e.span, "not a name")
                    .help(format!("write `{what} \"NAME\" …`")),
                );
                None
            }
            None => {
                self.err(
                    Diagnostic::error(Code::MissingRequired, format!("this `{what}` has no name"))
                        .at(node.name_span, "name missing")
                        .help(format!("write `{what} \"NAME\" …`")),
                );
                None
            }
        }
    }

    fn only_props(&mut self, node: &Node, allowed: &[&str]) {
        for p in &node.props {
            if !allowed.contains(&p.name.as_str()) {
                self.err(
                    Diagnostic::error(
                        Code::UnknownAttribute,
                        format!("`{}` has no property `{}`", node.name, p.name),
                    )
                    .at(p.name_span, "unknown property")
                    .help(if allowed.is_empty() {
                        format!("`{}` takes no properties", node.name)
                    } else {
                        suggest(
                            &p.name,
                            allowed,
                            &format!("`{}` takes: {}", node.name, allowed.join(", ")),
                        )
                    }),
                );
            }
        }
    }

    fn no_children(&mut self, node: &Node) {
        if let Some(c) = node.children.first() {
            self.err(
                Diagnostic::error(
                    Code::UnknownAttribute,
                    format!("`{}` takes no children", node.name),
                )
                .at(c.span, "unexpected child")
                .help("remove the `{ … }` block"),
            );
        }
    }

    fn string_prop(&mut self, node: &Node, name: &str) -> Option<String> {
        let p = node.prop(name)?;
        match &p.value.value {
            Literal::Str(s) => Some(s.to_string()),
            _ => {
                self.err(
                    Diagnostic::error(Code::WrongType, format!("`{name}` must be a string"))
                        .at(p.value.span, "not a string")
                        .help(format!("write `{name}=\"…\"`")),
                );
                None
            }
        }
    }

    /// A description is plain text (nothing is interpolated in it), read
    /// with the language's one escape, `$${` for a literal `${`, as every
    /// other string is: the same text means the same thing everywhere.
    fn description(&mut self, node: &Node) -> Option<String> {
        self.string_prop(node, "description")
            .map(|d| d.replace("$${", "${"))
    }

    fn var_type(&mut self, node: &Node) -> VarType {
        match self.string_prop(node, "type").as_deref() {
            None | Some("string") => VarType::String,
            Some("number") => VarType::Number,
            Some("bool") => VarType::Bool,
            Some("list") => VarType::List,
            Some(other) => {
                let span = node.prop("type").map(|p| p.value.span).unwrap_or(node.span);
                self.err(
                    Diagnostic::error(Code::BadEnumValue, format!("unknown type `{other}`"))
                        .at(span, "not a type")
                        .help(suggest(
                            other,
                            &["string", "number", "bool", "list"],
                            "types are string, number, bool and list",
                        )),
                );
                VarType::String
            }
        }
    }

    fn var(&mut self, node: &Node) -> Option<VarDecl> {
        let (name, name_span) = self.label(node, "var")?;
        self.only_props(node, &["default", "type", "description"]);
        self.no_children(node);
        let ty = self.var_type(node);
        let default = node.prop("default").map(|p| self.expr(&p.value));
        Some(VarDecl {
            name: name.into(),
            name_span,
            ty,
            default,
            description: self.description(node),
            span: node.span,
        })
    }

    fn component(&mut self, node: &Node) -> Option<ComponentDecl> {
        let (name, name_span) = self.label(node, "component")?;
        self.only_props(node, &["doc"]);
        let mut params = Vec::new();
        let mut items = Vec::new();
        for c in &node.children {
            if c.name == "param" {
                let Some((pname, pspan)) = self.label(c, "param") else {
                    continue;
                };
                self.only_props(c, &["default", "type", "description"]);
                let ty = self.var_type(c);
                params.push(ParamDecl {
                    name: pname.into(),
                    name_span: pspan,
                    ty,
                    default: c.prop("default").map(|p| self.expr(&p.value)),
                    description: self.description(c),
                });
            } else if let Some(item) = self.item(c) {
                items.push(item);
            }
        }
        Some(ComponentDecl {
            name: name.into(),
            name_span,
            doc: self.string_prop(node, "doc"),
            params,
            items,
            span: node.span,
        })
    }

    fn meta(&mut self, node: &Node) -> Meta {
        let mut meta = Meta::default();
        for p in &node.props {
            match p.name.as_str() {
                "count" => meta.count = Some(self.expr(&p.value)),
                "for-each" => meta.for_each = Some(self.expr(&p.value)),
                "if" => meta.condition = Some(self.expr(&p.value)),
                "import-id" => meta.import_id = Some(self.expr(&p.value)),
                "moved-from" => meta.moved_from = Some(self.expr(&p.value)),
                "provider" => meta.provider = Some(self.expr(&p.value)),
                _ => {}
            }
        }
        for c in &node.children {
            let list = || SExpr {
                expr: Expr::List(Vec::new()),
                span: c.span,
            };
            match c.name.as_str() {
                "for-each" if c.props.is_empty() && c.children.is_empty() => {
                    let mut l = list();
                    l.expr = Expr::List(c.args.iter().map(|a| self.expr(a)).collect());
                    meta.for_each = Some(l);
                }
                "for-each" => match self.records(c) {
                    Some(records) => meta.for_each_records = records,
                    // Reported: the declaration makes nothing, so that
                    // its uses of `each` report nothing more.
                    None => meta.for_each = Some(list()),
                },
                "import-ids" => {
                    let mut l = list();
                    l.expr = Expr::List(c.args.iter().map(|a| self.expr(a)).collect());
                    meta.import_ids = Some(l);
                }
                "ignore-changes" => {
                    meta.ignore_changes
                        .extend(c.args.iter().map(|a| self.expr(a)));
                }
                "depends-on" => {
                    for a in &c.args {
                        let mut e = self.expr(a);
                        if let Expr::Str(t) = e.expr {
                            e.expr = Expr::Ref(t);
                        }
                        meta.depends_on.push(e);
                    }
                }
                _ => {}
            }
        }
        meta
    }

    /// `for-each KEY=VALUE …` (a map) or `for-each { KEY FIELD=… … }`
    /// (records); the two forms do not mix, nor with a list.
    fn records(&mut self, c: &Node) -> Option<Vec<Record>> {
        if !c.args.is_empty() || (!c.props.is_empty() && !c.children.is_empty()) {
            self.err(
                Diagnostic::error(Code::BadExpansion, "`for-each` takes a list, a map or records, one of them")
                    .at(c.span, "mixed forms")
                    .help("write a list (`for-each \"ams3\" \"nyc3\"`), a map (`for-each ams3=\"s-1vcpu-1gb\" nyc3=\"s-2vcpu-4gb\"`) or records (`for-each { ams region=\"ams3\" }`)"),
            );
            return None;
        }
        let mut ok = true;
        let map = c.props.iter().map(|p| Record {
            key: p.name.clone(),
            key_span: p.name_span,
            fields: vec![Field {
                name: SmolStr::new_static("value"),
                name_span: p.name_span,
                value: self.expr(&p.value),
            }],
        });
        let mut records: Vec<Record> = map.collect();
        for r in &c.children {
            if !r.args.is_empty() || !r.children.is_empty() {
                self.err(
                    Diagnostic::error(Code::BadExpansion, format!("the record `{}` takes properties only", r.name))
                        .at(r.span, "not a record")
                        .help("a record is a key and its fields: `ams region=\"ams3\" size=\"s-1vcpu-1gb\"`; read them as `${each.key}`, `${each.region}`"),
                );
                ok = false;
                continue;
            }
            if let Some(p) = r.props.iter().find(|p| p.name == "key") {
                self.err(
                    Diagnostic::error(Code::BadExpansion, "`key` is the record's name")
                        .at(p.name_span, "reserved")
                        .help("`${each.key}` is the name the record is written under: rename the field"),
                );
                ok = false;
                continue;
            }
            records.push(Record {
                key: r.name.clone(),
                key_span: r.name_span,
                fields: r.props.iter().map(|p| self.field(p)).collect(),
            });
        }
        ok.then_some(records)
    }

    fn has_meta(&self, node: &Node) -> bool {
        node.props
            .iter()
            .any(|p| META_PROPS.contains(&p.name.as_str()))
            || node
                .children
                .iter()
                .any(|c| META_CHILDREN.contains(&c.name.as_str()))
    }

    fn resource(&mut self, node: &Node) -> Option<ResourceDecl> {
        let (label, label_span) = self.label(node, &node.name)?;
        let label = self.template(&label, label_span);
        Some(ResourceDecl {
            kind: node.name.clone(),
            kind_span: node.name_span,
            label,
            label_span,
            props: node
                .props
                .iter()
                .filter(|p| !META_PROPS.contains(&p.name.as_str()))
                .map(|p| self.field(p))
                .collect(),
            children: node
                .children
                .iter()
                .filter(|c| !META_CHILDREN.contains(&c.name.as_str()))
                .map(|c| self.child(c))
                .collect(),
            meta: self.has_meta(node).then(|| Box::new(self.meta(node))),
            span: node.span,
        })
    }

    /// `app "web" replicas=3` inside an environment (or a `use`, `within`
    /// saying which): values that replace the declaration's own there.
    fn patch(&mut self, node: &Node, within: &str) -> Option<ResourceDecl> {
        let kind = node.name.as_str();
        if !STAGE_KINDS.contains(&kind) && self.kinds.get(kind).is_none() {
            let names = self.kinds.all_names();
            let mut candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            candidates.extend(STAGE_KINDS);
            candidates.push("var");
            self.err(
                Diagnostic::error(
                    Code::UnknownKind,
                    format!("unknown kind `{kind}` in {within}"),
                )
                .at(node.name_span, "not a kind")
                .help(suggest(
                    kind,
                    &candidates,
                    &format!(
                        "{within} holds overrides such as `droplet \"web\" size=\"s-2vcpu-4gb\"`"
                    ),
                )),
            );
            return None;
        }
        let meta = node
            .props
            .iter()
            .map(|p| (p.name.as_str(), p.name_span))
            .chain(node.children.iter().map(|c| (c.name.as_str(), c.name_span)))
            .find(|(n, _)| META_PROPS.contains(n) || META_CHILDREN.contains(n));
        if let Some((name, span)) = meta {
            self.err(
                Diagnostic::error(Code::UnknownAttribute, format!("{within} cannot override `{name}`"))
                    .at(span, "changes how the declaration expands")
                    .help("set it with a variable instead: `count=(var)\"replicas\"` in the declaration, `var \"replicas\" 3` in the environment"),
            );
            return None;
        }
        let decl = self.resource(node)?;
        if decl.label.as_literal().is_none() {
            self.err(
                Diagnostic::error(
                    Code::BadInterpolation,
                    "an override names its declaration literally",
                )
                .at(decl.label_span, "interpolates")
                .help(
                    "write the name as it is after expansion, e.g. `app \"composer\" replicas=3`",
                ),
            );
            return None;
        }
        Some(decl)
    }

    fn use_decl(&mut self, node: &Node) -> Option<UseDecl> {
        let (component, component_span) = self.label(node, "use")?;
        let patches = node
            .children
            .iter()
            .filter(|c| !META_CHILDREN.contains(&c.name.as_str()))
            .filter_map(|c| self.patch(c, "a `use`"))
            .collect();
        Some(UseDecl {
            component: component.into(),
            component_span,
            args: node
                .props
                .iter()
                .filter(|p| {
                    !META_PROPS.contains(&p.name.as_str())
                        || matches!(p.name.as_str(), "import-id" | "provider")
                })
                .map(|p| self.field(p))
                .collect(),
            meta: self.meta(node),
            patches,
            span: node.span,
        })
    }

    fn output(&mut self, node: &Node) -> Option<OutputDecl> {
        let (name, name_span) = self.label(node, "output")?;
        self.only_props(node, &["value", "description", "if"]);
        self.no_children(node);
        let Some(value) = node.prop("value") else {
            self.err(
                Diagnostic::error(Code::MissingRequired, "this output has no `value`")
                    .at(node.name_span, "value missing")
                    .help("write `output \"NAME\" value=(ref)\"droplet.web.ipv4\"`"),
            );
            return None;
        };
        Some(OutputDecl {
            name: self.template(&name, name_span),
            name_span,
            value: self.expr(&value.value),
            description: node.prop("description").and_then(|p| {
                let text = self.string_prop(node, "description")?;
                Some((self.template(&text.into(), p.value.span), p.value.span))
            }),
            condition: node.prop("if").map(|p| self.expr(&p.value)),
            span: node.span,
        })
    }

    fn field(&mut self, p: &Prop) -> Field {
        Field {
            name: p.name.clone(),
            name_span: p.name_span,
            value: self.expr(&p.value),
        }
    }

    fn child(&mut self, node: &Node) -> Child {
        Child {
            name: node.name.clone(),
            name_span: node.name_span,
            args: node.args.iter().map(|a| self.expr(a)).collect(),
            props: node.props.iter().map(|p| self.field(p)).collect(),
            children: node.children.iter().map(|c| self.child(c)).collect(),
            has_block: node.has_block,
            span: node.span,
        }
    }

    pub fn expr(&mut self, e: &Entry) -> SExpr {
        let span = e.span;
        let expr = match (e.ty.as_deref(), &e.value) {
            (None, Literal::Str(s)) => Expr::Str(self.template(s, span)),
            (None, Literal::Int(i)) => Expr::Int(*i),
            (None, Literal::IntTooLarge) => {
                self.err(
                    Diagnostic::error(Code::WrongType, "number out of range")
                        .at(span, "too large")
                        .help("numbers must fit in 64 bits"),
                );
                Expr::Null
            }
            (None, Literal::Float(f)) => Expr::Float(*f),
            (None, Literal::Bool(b)) => Expr::Bool(*b),
            (None, Literal::Null) => Expr::Null,
            (Some("ref"), Literal::Str(s)) => Expr::Ref(self.template(s, span)),
            (Some("var"), Literal::Str(s)) => Expr::Var(s.to_string()),
            (Some("secret"), Literal::Str(s)) => Expr::Secret(s.to_string()),
            (Some("input"), Literal::Str(s)) => Expr::Input(s.to_string()),
            (Some(ty @ ("ref" | "var" | "secret" | "input")), _) => {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`({ty})` annotates a name, which must be a string"),
                    )
                    .at(span, "not a string")
                    .help(format!("write `({ty})\"name\"`")),
                );
                Expr::Null
            }
            (Some(other), _) => {
                self.err(
                    Diagnostic::error(Code::WrongType, format!("unknown annotation `({other})`"))
                        .at(span, "unknown annotation")
                        .help(suggest(
                            other,
                            &["ref", "var", "secret", "input"],
                            "annotations are (ref), (var), (secret) and (input)",
                        )),
                );
                Expr::Null
            }
        };
        SExpr { expr, span }
    }

    /// Splits `${…}` interpolations out of a string. `$${` is a literal `${`.
    fn template(&mut self, s: &SmolStr, span: Span) -> Template {
        if !has_interpolation(s) {
            return Template::literal(s.clone());
        }
        match parse_template(s) {
            Ok(t) => t,
            Err(why) => {
                self.err(
                    Diagnostic::error(Code::BadInterpolation, why)
                        .at(span, "in this string")
                        .help("interpolations are `${var.NAME}`, `${secret.NAME}`, `${KIND.NAME.ATTR}` or `${PARAM}`; write `$${` for a literal `${`"),
                );
                Template::literal(s.clone())
            }
        }
    }
}

/// A byte scan: `str::contains` with a pattern sets up a substring search,
/// which costs more than a short string takes to read.
fn has_interpolation(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| w == b"${")
}

pub fn parse_template(s: &str) -> Result<Template, String> {
    if !has_interpolation(s) {
        return Ok(Template::literal(s));
    }
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        if rest[..i].ends_with('$') {
            // `$${` escapes the interpolation.
            lit.push_str(&rest[..i - 1]);
            lit.push_str("${");
            rest = &rest[i + 2..];
            continue;
        }
        lit.push_str(&rest[..i]);
        let body_start = i + 2;
        let Some(end) = rest[body_start..].find('}') else {
            return Err(format!("unclosed `${{` in \"{s}\""));
        };
        let inner = rest[body_start..body_start + end].trim();
        if !lit.is_empty() {
            parts.push(Part::Lit(SmolStr::new(&lit)));
            lit.clear();
        }
        let part = match classify(inner) {
            Some(p) => p,
            None => match crate::interpolation::parse(inner, classify)? {
                crate::interpolation::Formula::Operand(p) => p,
                formula => Part::Formula(Box::new(formula)),
            },
        };
        parts.push(part);
        rest = &rest[body_start + end + 1..];
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit.into()));
    }
    Ok(Template::from_parts(parts))
}

fn classify(inner: &str) -> Option<Part> {
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !s.starts_with('.')
            && !s.ends_with('.')
    };
    if !valid(inner) {
        return None;
    }
    if let Some(v) = inner.strip_prefix("var.") {
        return Some(Part::Var(v.to_string()));
    }
    if let Some(v) = inner.strip_prefix("secret.") {
        return Some(Part::Secret(v.to_string()));
    }
    if let Some(v) = inner.strip_prefix("input.") {
        return Some(Part::Input(v.to_string()));
    }
    if inner.starts_with("each.") {
        // A field of a `for-each` record: `${each.region}`.
        Some(Part::Local(inner.to_string()))
    } else if inner.contains('.') {
        Some(Part::Ref(inner.to_string()))
    } else {
        Some(Part::Local(inner.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_interpolations() {
        let t = parse_template("web-${index}.${var.domain}").unwrap();
        assert_eq!(
            t.parts(),
            vec![
                Part::Lit("web-".into()),
                Part::Local("index".into()),
                Part::Lit(".".into()),
                Part::Var("domain".into())
            ]
        );
        let t = parse_template("${droplet.web.ipv4}").unwrap();
        assert_eq!(t.parts(), vec![Part::Ref("droplet.web.ipv4".into())]);
    }

    #[test]
    fn dollar_dollar_is_a_literal() {
        let t = parse_template("cost: $${HOME} and $5").unwrap();
        assert_eq!(t.as_literal(), Some("cost: ${HOME} and $5"));
    }

    #[test]
    fn bad_templates_are_errors() {
        assert!(parse_template("x ${unclosed").is_err());
        assert!(parse_template("${a b}").is_err());
        assert!(parse_template("${}").is_err());
    }
}
