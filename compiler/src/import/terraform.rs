//! Terraform configuration: the `resource` blocks of `.tf` files (and the
//! `import` blocks that adopt them), read with hcl-rs. References keep
//! their target; other expressions are kept as text for a comment.

use super::{Found, FoundResource, FoundRest};
use hcl::expr::{Expression, ObjectKey, TemplateExpr, TraversalOperator};
use hcl::structure::{Body, Structure};

/// The resources of one file, and its `import` blocks (address, id), which
/// may adopt resources of another file.
pub type Read = (
    Vec<FoundResource>,
    Vec<(String, String)>,
    FoundRest,
    Vec<String>,
);

pub fn read(text: &str) -> Result<Read, String> {
    let body: Body = hcl::parse(text).map_err(|e| format!("not valid HCL: {e}"))?;
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut imports: Vec<(String, String)> = Vec::new();
    let mut rest = FoundRest::default();
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        match (b.identifier.as_str(), labels.as_slice()) {
            ("resource", [ty, name]) => {
                let mut attributes = Vec::new();
                block_body(&b.body, &mut attributes, &mut notes, &format!("{ty}.{name}"));
                out.push(FoundResource {
                    resource_type: ty.to_string(),
                    name: name.to_string(),
                    attributes,
                    import_id: None,
                    data: false,
                    written: true,
                    environment: None,
                });
            }
            // The remote state an environment's root reads: its outputs
            // are read back as references to the shared root's resources.
            ("data", ["terraform_remote_state", _]) => {}
            ("data", [ty, name]) => {
                let mut attributes = Vec::new();
                block_body(&b.body, &mut attributes, &mut notes, &format!("data.{ty}.{name}"));
                out.push(FoundResource {
                    resource_type: ty.to_string(),
                    name: name.to_string(),
                    attributes,
                    import_id: None,
                    data: true,
                    written: true,
                    environment: None,
                });
            }
            ("import", []) => {
                let get = |k: &str| {
                    b.body.iter().find_map(|s| match s {
                        Structure::Attribute(a) if a.key.as_str() == k => Some(&a.expr),
                        _ => None,
                    })
                };
                if let (Some(Expression::Traversal(to)), Some(Expression::String(id))) =
                    (get("to"), get("id"))
                {
                    let mut address = to.expr.to_string();
                    for op in &to.operators {
                        if let TraversalOperator::GetAttr(a) = op {
                            address.push('.');
                            address.push_str(a.as_str());
                        }
                    }
                    imports.push((address, id.clone()));
                }
            }
            ("module", [name]) => notes.push(format!(
                "module `{name}` left out: import its resources from the state (`terraform show -json`)"
            )),
            ("provider", [name]) => {
                let mut attributes = Vec::new();
                block_body(&b.body, &mut attributes, &mut notes, &format!("provider {name}"));
                let alias = attributes
                    .iter()
                    .position(|(k, _)| k == "alias")
                    .map(|i| attributes.remove(i).1);
                let alias = match alias {
                    Some(Found::Str(a)) => Some(a),
                    _ => None,
                };
                rest.providers.push((name.to_string(), alias, attributes));
            }
            ("variable", [name]) => {
                let mut attributes = Vec::new();
                block_body(&b.body, &mut attributes, &mut notes, &format!("variable {name}"));
                let get = |k: &str| attributes.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                let description = match get("description") {
                    Some(Found::Str(s)) => Some(s.clone()),
                    _ => None,
                };
                let sensitive = matches!(get("sensitive"), Some(Found::Bool(true)));
                rest.variables.push((name.to_string(), description, sensitive));
            }
            ("output", [name]) => {
                let mut attributes = Vec::new();
                block_body(&b.body, &mut attributes, &mut notes, &format!("output {name}"));
                let mut take = |k: &str| {
                    attributes
                        .iter()
                        .position(|(n, _)| n == k)
                        .map(|i| attributes.remove(i).1)
                };
                let value = take("value").unwrap_or(Found::Null);
                let description = match take("description") {
                    Some(Found::Str(s)) => Some(s),
                    _ => None,
                };
                let sensitive = matches!(take("sensitive"), Some(Found::Bool(true)));
                rest.outputs.push((name.to_string(), value, description, sensitive));
            }
            ("terraform", []) => {
                for s in b.body.iter() {
                    if let Structure::Block(inner) = s {
                        if let ("backend", [kind]) = (
                            inner.identifier.as_str(),
                            inner
                                .labels
                                .iter()
                                .map(|l| l.as_str())
                                .collect::<Vec<_>>()
                                .as_slice(),
                        ) {
                            let mut attributes = Vec::new();
                            block_body(&inner.body, &mut attributes, &mut notes, "backend");
                            rest.backend = Some((kind.to_string(), attributes));
                        }
                    }
                }
            }
            ("locals" | "moved", _) => {}
            (other, _) => notes.push(format!("a `{other}` block left out")),
        }
    }
    Ok((out, imports, rest, notes))
}

/// A block's attributes, and its nested blocks as objects (a list of them
/// when the block repeats).
fn block_body(body: &Body, out: &mut Vec<(String, Found)>, notes: &mut Vec<String>, at: &str) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => match (a.key.as_str(), &a.expr) {
                // `provider = aws.wasabi`: the configuration's alias.
                ("provider", Expression::Traversal(t)) => match t.operators.as_slice() {
                    [TraversalOperator::GetAttr(alias)] => {
                        out.push(("meta.provider".to_string(), Found::Str(alias.to_string())))
                    }
                    _ => notes.push(format!("{at}: `provider` left out")),
                },
                // `depends_on = [TYPE.NAME, …]`
                ("depends_on", Expression::Array(items)) => {
                    let targets = items
                        .iter()
                        .filter_map(|i| match i {
                            Expression::Traversal(t) => match t.operators.as_slice() {
                                [TraversalOperator::GetAttr(name)] => Some(Found::Ref {
                                    resource_type: t.expr.to_string(),
                                    name: name.to_string(),
                                    attribute: String::new(),
                                }),
                                _ => None,
                            },
                            _ => None,
                        })
                        .collect();
                    out.push(("meta.depends_on".to_string(), Found::List(targets)));
                }
                ("count" | "for_each" | "provider" | "depends_on", _) => notes.push(format!(
                    "{at}: `{}` left out: write it in KDL (`count=`, `for-each=`, `provider=`, `depends-on`)",
                    a.key.as_str()
                )),
                (key, _) => out.push((key.to_string(), expression(&a.expr))),
            },
            Structure::Block(b) if b.identifier.as_str() == "lifecycle" => {
                for s in b.body.iter() {
                    if let Structure::Attribute(a) = s {
                        if a.key.as_str() == "ignore_changes" {
                            out.push(("lifecycle.ignore_changes".to_string(), expression(&a.expr)));
                        }
                    }
                }
            }
            Structure::Block(b) => {
                let mut inner = Vec::new();
                block_body(&b.body, &mut inner, notes, at);
                let item = Found::Object(inner);
                let name = b.identifier.to_string();
                match out.iter_mut().find(|(k, _)| *k == name) {
                    Some((_, Found::List(items))) => items.push(item),
                    Some((_, first)) => {
                        let previous = std::mem::replace(first, Found::Null);
                        *first = Found::List(vec![previous, item]);
                    }
                    None => out.push((name, Found::List(vec![item]))),
                }
            }
        }
    }
}

fn expression(e: &Expression) -> Found {
    match e {
        Expression::Null => Found::Null,
        Expression::Bool(b) => Found::Bool(*b),
        Expression::Number(n) => serde_json::to_value(n)
            .ok()
            .and_then(|v| v.as_number().cloned())
            .map_or_else(|| Found::Expression(n.to_string()), Found::Number),
        Expression::String(s) => Found::Str(s.clone()),
        Expression::Array(items) => Found::List(items.iter().map(expression).collect()),
        Expression::Object(o) => Found::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Identifier(i) => i.to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.clone(),
                        other => other.to_string(),
                    };
                    (key, expression(v))
                })
                .collect(),
        ),
        Expression::Traversal(t) => {
            let root = t.expr.to_string();
            let attrs: Vec<&str> = t
                .operators
                .iter()
                .filter_map(|op| match op {
                    TraversalOperator::GetAttr(a) => Some(a.as_str()),
                    _ => None,
                })
                .collect();
            let plain = attrs.len() == t.operators.len();
            match (root.as_str(), attrs.as_slice()) {
                // `outputs.TYPE__NAME__ATTRIBUTE` of the shared root, as
                // infrac names them.
                ("data", ["terraform_remote_state", _, "outputs", output]) if plain => {
                    match output.split("__").collect::<Vec<_>>().as_slice() {
                        [ty, name, attribute] => Found::Ref {
                            resource_type: ty.to_string(),
                            name: name.to_string(),
                            attribute: attribute.to_string(),
                        },
                        _ => Found::Expression(e.to_string()),
                    }
                }
                ("data", [ty, name, attribute]) if plain => Found::Ref {
                    resource_type: format!("data.{ty}"),
                    name: name.to_string(),
                    attribute: attribute.to_string(),
                },
                ("var", [name]) if plain => Found::Var(name.to_string()),
                ("var" | "local" | "data" | "module" | "each" | "count" | "path", _) => {
                    Found::Expression(e.to_string())
                }
                (ty, [name, attribute]) if attrs.len() == t.operators.len() => Found::Ref {
                    resource_type: ty.to_string(),
                    name: name.to_string(),
                    attribute: attribute.to_string(),
                },
                _ => Found::Expression(e.to_string()),
            }
        }
        Expression::TemplateExpr(t) => match t.as_ref() {
            TemplateExpr::QuotedString(s) if !s.contains("${") && !s.contains("%{") => {
                Found::Str(s.clone())
            }
            other => Found::Expression(format!("\"{other}\"")),
        },
        other => Found::Expression(other.to_string()),
    }
}
