//! Variables and secrets: the value each variable takes (command line,
//! environment, default) and their uses.

use super::*;

impl Expander<'_> {
    pub(super) fn bind_vars(&mut self, inputs: &Inputs) {
        let env = match inputs.environment {
            None => None,
            Some((name, span)) => match self.project.environments.iter().find(|e| e.name == name) {
                Some(e) => Some(e),
                None => {
                    let names: Vec<&str> = self
                        .project
                        .environments
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect();
                    self.err(
                        Diagnostic::error(Code::BadCliVar, format!("no environment `{name}`"))
                            .at(span, "unknown environment")
                            .help(suggest(
                                name,
                                &names,
                                &format!(
                                    "declared environments: {}",
                                    if names.is_empty() {
                                        "none".to_string()
                                    } else {
                                        names.join(", ")
                                    }
                                ),
                            )),
                    );
                    None
                }
            },
        };
        if let Some(env) = env {
            self.patches = env.patches.iter().collect();
        }
        let environments = match self.pass {
            Pass::Resources => self.project.environments.as_slice(),
            Pass::Workloads => &[],
        };
        for e in environments {
            for f in &e.values {
                if !self.project.vars.iter().any(|v| v.name == f.name) {
                    let names: Vec<&str> =
                        self.project.vars.iter().map(|v| v.name.as_str()).collect();
                    self.err(
                        Diagnostic::error(
                            Code::UndefinedVariable,
                            format!(
                                "environment `{}` sets undeclared variable `{}`",
                                e.name, f.name
                            ),
                        )
                        .at(f.name_span, "not declared")
                        .help(suggest(
                            &f.name,
                            &names,
                            "declare it with `var \"NAME\" default=…`",
                        )),
                    );
                }
            }
        }
        let cli_vars = if self.pass == Pass::Resources {
            inputs.vars
        } else {
            &[]
        };
        for cli in cli_vars {
            if self.project.secrets.iter().any(|s| s.name == cli.name) {
                self.err(
                    Diagnostic::error(Code::SecretMisuse, format!("`{}` is a secret and cannot be set with --var", cli.name))
                        .at(cli.span, "secret value on the command line")
                        .help(format!("secrets are Terraform variables: pass it at plan time, e.g. TF_VAR_{}=… terraform plan", cli.name)),
                );
            }
        }
        // Each variable's source; values are evaluated on first need, so a
        // default may use a variable declared after it.
        for v in &self.project.vars {
            let source = if let Some(cli) = inputs.vars.iter().rev().find(|c| c.name == v.name) {
                match parse_cli_value(&cli.value, v.ty) {
                    Ok(value) => VarSource::Given(SValue {
                        value,
                        span: cli.span,
                    }),
                    Err(why) => {
                        self.err(
                            Diagnostic::error(Code::BadCliVar, format!("--var {}: {why}", v.name))
                                .at(cli.span, format!("expected a {}", v.ty.name()))
                                .help(format!(
                                    "`{}` is declared with type={}",
                                    v.name,
                                    v.ty.name()
                                )),
                        );
                        continue;
                    }
                }
            } else if let Some(f) =
                env.and_then(|e| e.values.iter().rev().find(|f| f.name == v.name))
            {
                VarSource::Expr(&f.value)
            } else if let Some(d) = &v.default {
                VarSource::Expr(d)
            } else {
                self.unset.insert(v.name.clone(), false);
                continue;
            };
            self.var_sources.insert(v.name.as_str(), source);
        }
        for v in &self.project.vars {
            self.bind_var(&v.name);
        }
    }

    /// Gives a variable its value, evaluating first the variables its
    /// value uses; a variable whose value uses itself is an error.
    fn bind_var(&mut self, name: &str) {
        let Some((key, source)) = self.var_sources.remove_entry(name) else {
            return;
        };
        let value = match source {
            VarSource::Given(value) => value,
            VarSource::Expr(e) => {
                self.var_sources.insert(key, VarSource::Binding(e.span));
                let value = self.eval(e, &Scope::default());
                self.var_sources.remove(key);
                value
            }
            VarSource::Binding(span) => {
                self.err(
                    Diagnostic::error(
                        Code::Cycle,
                        format!("the value of variable `{name}` depends on itself"),
                    )
                    .at(span, "uses itself, directly or through other variables")
                    .help("give one of the variables in the loop a value of its own"),
                );
                self.unset.insert(name.to_string(), true);
                return;
            }
        };
        let ty = self
            .project
            .vars
            .iter()
            .find(|v| v.name == name)
            .expect("sources are declared variables")
            .ty;
        match self.coerce(value, ty, name) {
            Some(value) => {
                self.vars.insert(name.to_string(), value);
            }
            // Reported; the uses stay quiet, as for a cycle.
            None => {
                self.unset.insert(name.to_string(), true);
            }
        }
    }

    /// Checks a variable's or parameter's value against its declared type;
    /// a `list` accepts a whitespace-separated string. None when it does
    /// not fit (reported here): what reads it must not report it again.
    pub(super) fn coerce(&mut self, v: SValue, ty: VarType, name: &str) -> Option<SValue> {
        let ok = match (&v.value, ty) {
            (Value::Str(s), VarType::List) => {
                let items = s
                    .split_whitespace()
                    .map(|w| SValue {
                        value: Value::Str(w.into()),
                        span: v.span,
                    })
                    .collect();
                return Some(SValue {
                    value: Value::List(items),
                    span: v.span,
                });
            }
            (Value::List(_), VarType::List) => true,
            (
                Value::Str(_) | Value::Template(_) | Value::Ref(_) | Value::Secret(_),
                VarType::String,
            ) => true,
            (Value::Int(_) | Value::Float(_) | Value::Ref(_), VarType::Number) => true,
            (Value::Bool(_) | Value::Ref(_), VarType::Bool) => true,
            (Value::Null, _) => true,
            _ => false,
        };
        if !ok {
            self.err(
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "`{name}` must be a {}, not a {}",
                        ty.name(),
                        v.value.type_name()
                    ),
                )
                .at(v.span, format!("a {}", v.value.type_name()))
                .help(format!("`{name}` is declared with type={}", ty.name())),
            );
            return None;
        }
        Some(v)
    }

    pub(super) fn var(&mut self, name: &str, span: Span) -> SValue {
        self.used_vars.insert(name.to_string());
        if self.var_sources.contains_key(name) {
            self.bind_var(name);
        }
        if let Some(v) = self.vars.get(name) {
            if v.span != span {
                self.out
                    .var_origins
                    .entry(span)
                    .or_insert_with(|| (v.span, SmolStr::new(name)));
            }
            return SValue {
                value: v.value.clone(),
                span,
            };
        }
        if let Some(reported) = self.unset.get_mut(name) {
            if !std::mem::replace(reported, true) {
                let decl = self.project.vars.iter().find(|v| v.name == name);
                let mut d = Diagnostic::error(
                    Code::MissingRequired,
                    format!("variable `{name}` has no value"),
                )
                .at(span, "used here")
                .help(format!(
                    "give it a default, set it in every environment that uses it, or pass --var {name}=VALUE"
                ));
                if let Some(decl) = decl {
                    d = d.also(decl.name_span, "declared here without a default");
                }
                self.err(d);
            }
        } else if !self.project.vars.iter().any(|v| v.name == name) {
            let names: Vec<&str> = self.project.vars.iter().map(|v| v.name.as_str()).collect();
            // The variable it was meant to be is not also "never used".
            for meant in crate::diag::closest(name, names.iter().copied()) {
                self.used_vars.insert(meant.to_string());
            }
            self.err(
                Diagnostic::error(
                    Code::UndefinedVariable,
                    format!("undefined variable `{name}`"),
                )
                .at(span, "not declared")
                .within(format!("var.{name}"))
                .help(suggest(
                    name,
                    &names,
                    "declare it with `var \"NAME\" default=…`",
                )),
            );
        }
        SValue {
            value: Value::Null,
            span,
        }
    }

    pub(super) fn secret(&mut self, name: &str, span: Span) -> SValue {
        self.terraform_variable(name, span, true)
    }

    pub(super) fn input(&mut self, name: &str, span: Span) -> SValue {
        self.terraform_variable(name, span, false)
    }

    /// A secret (`sensitive`) or an input: a Terraform variable, given at
    /// plan time. Either may be declared by its use alone; a use must
    /// match the declaration.
    fn terraform_variable(&mut self, name: &str, span: Span, sensitive: bool) -> SValue {
        let (what, keyword) = if sensitive {
            ("a secret", "secret")
        } else {
            ("an input", "input")
        };
        if !crate::resolve::valid_secret_name(name) {
            self.err(bad_secret_name(name, span));
            return SValue {
                value: Value::Null,
                span,
            };
        }
        if self.vars.contains_key(name) || self.project.vars.iter().any(|v| v.name == name) {
            let why = if sensitive {
                "so that its value never reaches the output"
            } else {
                "so that Terraform asks for its value at plan time"
            };
            self.err(
                Diagnostic::error(
                    Code::SecretMisuse,
                    format!("`{name}` is a plain variable, not {what}"),
                )
                .at(span, format!("used as {what}"))
                .help(format!(
                    "declare it with `{keyword} \"{name}\"` instead of `var`, {why}"
                )),
            );
        }
        let entry = self
            .out
            .secrets
            .entry(name.to_string())
            .or_insert_with(|| SecretVar {
                name: name.to_string(),
                description: None,
                sensitive,
                span,
            });
        if entry.sensitive != sensitive {
            let declared = entry.span;
            let (is, other) = if entry.sensitive {
                ("a secret", "secret")
            } else {
                ("an input", "input")
            };
            self.err(
                Diagnostic::error(Code::SecretMisuse, format!("`{name}` is {is}, used as {what}"))
                    .at(span, format!("used as {what}"))
                    .also(declared, format!("{is} here"))
                    .help(format!("write `({other})\"{name}\"` or `${{{other}.{name}}}`; a secret is sensitive wherever it goes, an input is not")),
            );
        }
        SValue {
            value: Value::Secret(name.to_string()),
            span,
        }
    }

    pub(super) fn local(&mut self, name: &str, span: Span, scope: &Scope) -> SValue {
        if let Some(value) = scope.get(name) {
            return SValue { value, span };
        }
        let names = scope.names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.err(
            Diagnostic::error(Code::UndefinedVariable, format!("`{name}` is not defined here"))
                .at(span, "unknown name")
                .help(suggest(name, &names, "inside `${…}` use `var.NAME` for variables, `index`/`each` in a count or for-each, or a component parameter")),
        );
        SValue {
            value: Value::Null,
            span,
        }
    }
}

pub(super) fn parse_cli_value(text: &str, ty: VarType) -> Result<Value, String> {
    match ty {
        VarType::String => Ok(Value::Str(text.into())),
        VarType::Number => text
            .parse::<i64>()
            .map(Value::Int)
            .or_else(|_| text.parse::<f64>().map(Value::Float))
            .map_err(|_| format!("`{text}` is not a number")),
        VarType::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        VarType::List => Ok(Value::Str(text.replace(',', " ").into())),
    }
}

/// A secret's name that cannot be a Terraform variable's (E012).
pub(crate) fn bad_secret_name(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidName,
        format!("`{}` cannot name a secret", name.escape_debug()),
    )
    .at(span, "not a Terraform variable name")
    .help("a secret becomes a Terraform variable: a letter or `_`, then letters, digits, `_` and `-` (`db_password`)")
}
