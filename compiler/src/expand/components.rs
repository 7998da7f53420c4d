//! Components: a `use` expanded with its parameters bound, recursion and
//! depth bounded.

use super::*;

impl Expander<'_> {
    pub(super) fn use_component(&mut self, u: &UseDecl, scope: &Scope) {
        if !self.condition(&u.meta, scope) {
            return;
        }
        let Some(component) = self
            .project
            .components
            .iter()
            .find(|c| c.name == u.component)
        else {
            let names: Vec<&str> = self
                .project
                .components
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            self.err(
                Diagnostic::error(
                    Code::ComponentMisuse,
                    format!("no component `{}`", u.component),
                )
                .at(u.component_span, "unknown component")
                .help(suggest(
                    &u.component,
                    &names,
                    &format!("components: {}", names.join(", ")),
                )),
            );
            return;
        };
        if let Some(at) = self.in_use.iter().position(|c| *c == component.name) {
            let chain: Vec<&str> = self.in_use[at..]
                .iter()
                .copied()
                .chain([component.name.as_str()])
                .collect();
            self.err(
                Diagnostic::error(Code::ComponentMisuse, format!("component `{}` uses itself", u.component))
                    .at(u.span, "recursive use")
                    .help(format!("a component may use other components, but not itself, directly or through others ({})", chain.join(" → "))),
            );
            return;
        }
        if self.used_at.len() >= MAX_COMPONENT_DEPTH {
            self.err(
                Diagnostic::error(Code::ComponentMisuse, format!("components are nested more than {MAX_COMPONENT_DEPTH} deep"))
                    .at(u.span, "one level too deep")
                    .help("flatten the components: use some of them side by side rather than each inside the last"),
            );
            return;
        }
        // A misspelt parameter is one mistake: reported as unknown, not
        // also as the required one it was meant to be.
        let mut meant: Vec<&str> = Vec::new();
        for a in &u.args {
            if !component.params.iter().any(|p| p.name == a.name) {
                let names: Vec<&str> = component.params.iter().map(|p| p.name.as_str()).collect();
                meant.extend(crate::diag::closest(&a.name, names.iter().copied()));
                self.err(
                    Diagnostic::error(
                        Code::ComponentMisuse,
                        format!(
                            "component `{}` has no parameter `{}`",
                            component.name, a.name
                        ),
                    )
                    .at(a.name_span, "unknown parameter")
                    .help(suggest(
                        &a.name,
                        &names,
                        &format!("its parameters: {}", names.join(", ")),
                    ))
                    .also(component.name_span, "component defined here"),
                );
            }
        }
        let iterations = match self.iterations(&u.meta, scope) {
            Some(iterations) => iterations,
            None if self.spend(1, u.span) => vec![(String::new(), scope.clone())],
            None => return,
        };
        self.use_patches
            .push(u.patches.iter().map(|p| (p.clone(), false)).collect());
        let mut expanded = false;
        for (_, local) in iterations {
            let mut params = BTreeMap::new();
            let mut complete = true;
            // The parameters given at the use come first: a default may use
            // them, and the defaults declared before it.
            let given: Vec<Option<&Field>> = component
                .params
                .iter()
                .map(|p| u.args.iter().rev().find(|a| a.name == p.name))
                .collect();
            for (p, a) in component.params.iter().zip(&given) {
                if let Some(a) = a {
                    let value = self.eval(&a.value, &local);
                    // A value of the wrong type is reported once, here;
                    // the body is not made from it.
                    match self.coerce(value, p.ty, &p.name) {
                        Some(value) => {
                            params.insert(p.name.clone(), value);
                        }
                        None => complete = false,
                    }
                }
            }
            for (p, a) in component.params.iter().zip(&given) {
                if a.is_some() {
                    continue;
                }
                let value = match &p.default {
                    Some(d) if is_literal(d) => self.eval(d, &Scope::default()),
                    Some(d) => {
                        let so_far = Scope {
                            params: std::rc::Rc::new(params.clone()),
                            each: None,
                            record: None,
                            index: None,
                        };
                        self.eval(d, &so_far)
                    }
                    None if meant.contains(&p.name.as_str()) => {
                        complete = false;
                        continue;
                    }
                    None => {
                        complete = false;
                        self.err(
                            Diagnostic::error(
                                Code::ComponentMisuse,
                                format!(
                                    "missing parameter `{}` of component `{}`",
                                    p.name, component.name
                                ),
                            )
                            .at(u.component_span, format!("`{}` is required", p.name))
                            .help(format!(
                                "add `{}=…`{}",
                                p.name,
                                p.description
                                    .as_ref()
                                    .map(|d| format!(": {d}"))
                                    .unwrap_or_default()
                            ))
                            .also(p.name_span, "parameter declared here"),
                        );
                        continue;
                    }
                };
                match self.coerce(value, p.ty, &p.name) {
                    Some(value) => {
                        params.insert(p.name.clone(), value);
                    }
                    None => complete = false,
                }
            }
            if !complete {
                continue;
            }
            expanded = true;
            let inner = Scope {
                params: std::rc::Rc::new(params),
                each: None,
                record: None,
                index: None,
            };
            self.used_at.push(u.span);
            self.in_use.push(&component.name);
            for item in &component.items {
                self.item(item, &inner);
            }
            self.in_use.pop();
            self.used_at.pop();
        }
        let level = self.use_patches.pop().unwrap_or_default();
        // A use that made nothing (its error reported) matched nothing.
        for (p, matched) in level {
            if expanded && !matched {
                let label = p.label.as_literal().unwrap_or_default().to_string();
                self.err(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!("component `{}` declares no {} `{label}`", component.name, p.kind),
                    )
                    .at(p.label_span, "nothing to override")
                    .help("a child of `use` overrides one of the component's declarations, by kind and name as they are made (parameters filled in); `infrac graph` lists them")
                    .also(component.name_span, "component defined here"),
                );
            }
        }
    }
}

/// A default that needs no scope: no interpolation, variable or reference.
fn is_literal(e: &SExpr) -> bool {
    match &e.expr {
        Expr::Str(t) => t.as_literal().is_some(),
        Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) => true,
        Expr::List(items) => items.iter().all(is_literal),
        Expr::Ref(_) | Expr::Var(_) | Expr::Secret(_) | Expr::Input(_) => false,
    }
}
