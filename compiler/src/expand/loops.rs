//! `if`, `count` and `for-each`: whether a declaration applies, and the
//! iterations it expands to.

use super::*;

impl Expander<'_> {
    pub(super) fn condition(&mut self, meta: &Meta, scope: &Scope) -> bool {
        let Some(c) = &meta.condition else {
            return true;
        };
        match self.eval(c, scope).value {
            Value::Bool(b) => b,
            Value::Null => false,
            other => {
                self.err(
                    Diagnostic::error(Code::WrongType, format!("`if` needs a bool, not a {}", other.type_name()))
                        .at(c.span, "not a bool")
                        .help("write `if=#true`, `if=(var)\"enabled\"` or `if=\"${PARAM}\"` with a bool parameter"),
                );
                false
            }
        }
    }

    /// A child with its own `for-each` or `if` (None without either): the
    /// child without them, and the scopes it is made in (one per item; none
    /// when the condition is false).
    pub(super) fn child_loop(&mut self, c: &Child, scope: &Scope) -> Option<(Child, Vec<Scope>)> {
        let is_meta = |p: &Field| matches!(p.name.as_str(), "for-each" | "if");
        if !c.props.iter().any(is_meta) {
            return None;
        }
        let meta_prop = |name: &str| {
            c.props
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.value.clone())
        };
        let meta = Meta {
            for_each: meta_prop("for-each"),
            condition: meta_prop("if"),
            ..Meta::default()
        };
        let mut bare = c.clone();
        bare.props.retain(|p| !is_meta(p));
        if !self.condition(&meta, scope) {
            return Some((bare, Vec::new()));
        }
        let scopes = match self.iterations(&meta, scope) {
            Some(iterations) => iterations.into_iter().map(|(_, local)| local).collect(),
            None => vec![scope.clone()],
        };
        Some((bare, scopes))
    }

    /// The iterations of `count` and `for-each`: (label suffix, locals).
    pub(super) fn iterations(
        &mut self,
        meta: &Meta,
        scope: &Scope,
    ) -> Option<Vec<(String, Scope)>> {
        if meta.count.is_none() && meta.for_each.is_none() && meta.for_each_records.is_empty() {
            return None;
        }
        let mut records: Vec<Option<std::rc::Rc<BTreeMap<String, SValue>>>> = Vec::new();
        let keys: Vec<Option<SValue>> = match &meta.for_each {
            None if !meta.for_each_records.is_empty() => {
                let mut seen = BTreeSet::new();
                let mut keys = Vec::new();
                for r in &meta.for_each_records {
                    if !seen.insert(r.key.clone()) {
                        self.err(
                            Diagnostic::error(
                                Code::BadExpansion,
                                format!("`for-each` has `{}` twice", r.key),
                            )
                            .at(r.key_span, "repeated key")
                            .help("each key names one instance; remove the repeat"),
                        );
                        continue;
                    }
                    let key = SValue {
                        value: Value::Str(r.key.clone()),
                        span: r.key_span,
                    };
                    let mut fields: BTreeMap<String, SValue> = BTreeMap::new();
                    fields.insert("key".into(), key.clone());
                    for f in &r.fields {
                        let v = self.eval(&f.value, scope);
                        fields.insert(f.name.to_string(), v);
                    }
                    records.push(Some(std::rc::Rc::new(fields)));
                    keys.push(Some(key));
                }
                keys
            }
            None => vec![None],
            Some(e) => {
                let v = self.eval(e, scope);
                let items = match v.value {
                    Value::List(items) => items,
                    Value::Str(s) => s
                        .split_whitespace()
                        .map(|w| SValue {
                            value: Value::Str(w.into()),
                            span: v.span,
                        })
                        .collect(),
                    other => {
                        self.err(
                            Diagnostic::error(Code::BadExpansion, format!("`for-each` needs a list, not a {}", other.type_name()))
                                .at(e.span, "not a list")
                                .help("write `for-each=\"ams3 nyc3\"` or a child `for-each \"ams3\" \"nyc3\"`"),
                        );
                        return Some(Vec::new());
                    }
                };
                let mut seen = BTreeSet::new();
                let mut keys = Vec::new();
                for item in items {
                    match item.value.as_text() {
                        Some(text) if seen.insert(text.clone()) => keys.push(Some(item)),
                        Some(text) => self.err(
                            Diagnostic::error(
                                Code::BadExpansion,
                                format!("`for-each` lists `{text}` twice"),
                            )
                            .at(item.span, "repeated key")
                            .help("each key names one instance; remove the repeat"),
                        ),
                        None => self.err(
                            Diagnostic::error(
                                Code::BadExpansion,
                                format!(
                                    "`for-each` keys must be strings or numbers, not a {}",
                                    item.value.type_name()
                                ),
                            )
                            .at(item.span, "not a key")
                            .help("keys become part of resource names"),
                        ),
                    }
                }
                keys
            }
        };
        // Each key's scope; a record's fields may set its `count`.
        let mut bases = Vec::with_capacity(keys.len());
        for (i, key) in keys.into_iter().enumerate() {
            let mut base = scope.clone();
            let mut suffix = String::new();
            if let Some(k) = key {
                suffix = format!("-{}", k.value.as_text().unwrap_or_default());
                base.each = Some(k);
            }
            if let Some(Some(record)) = records.get(i) {
                base.record = Some(record.clone());
            }
            bases.push((suffix, base));
        }
        let mut counts: Vec<Option<i64>> = Vec::with_capacity(bases.len());
        if meta.count.is_some() && !records.is_empty() {
            for (_, base) in &bases {
                match self.count(meta, base) {
                    Ok(c) => counts.push(c),
                    Err(()) => return Some(Vec::new()),
                }
            }
        } else {
            match self.count(meta, scope) {
                Ok(c) => counts.resize(bases.len(), c),
                Err(()) => return Some(Vec::new()),
            }
        }
        let total = counts
            .iter()
            .map(|c| c.map_or(1, |n| n as usize))
            .fold(0usize, usize::saturating_add);
        let span = meta
            .count
            .as_ref()
            .or(meta.for_each.as_ref())
            .map(|e| e.span);
        if !self.spend(total, span.unwrap_or_default()) {
            return Some(Vec::new());
        }
        let mut out = Vec::with_capacity(total);
        for ((suffix, base), count) in bases.into_iter().zip(counts) {
            match count {
                None => out.push((suffix, base)),
                Some(n) => {
                    let span = meta.count.as_ref().map(|c| c.span).unwrap_or_default();
                    for i in 1..=n {
                        let mut s = base.clone();
                        s.index = Some((i, span));
                        let mut numbered = String::with_capacity(suffix.len() + 8);
                        numbered.push_str(&suffix);
                        numbered.push('-');
                        push_int(&mut numbered, i);
                        out.push((numbered, s));
                    }
                }
            }
        }
        Some(out)
    }

    /// The `count` in `scope`: None without one; `Err` when it is bad
    /// (reported).
    fn count(&mut self, meta: &Meta, scope: &Scope) -> Result<Option<i64>, ()> {
        let count: Option<i64> = match &meta.count {
            None => None,
            Some(e) => {
                match self.eval(e, scope).value {
                    Value::Int(n) if (0..=MAX_INSTANCES).contains(&n) => Some(n),
                    Value::Str(s)
                        if s.parse::<i64>()
                            .is_ok_and(|n| (0..=MAX_INSTANCES).contains(&n)) =>
                    {
                        s.parse().ok()
                    }
                    // The value's own error (an unset variable) was reported.
                    Value::Null => return Err(()),
                    other => {
                        self.err(
                        Diagnostic::error(Code::BadExpansion, format!("`count` must be a whole number from 0 to {MAX_INSTANCES}, not {}", match &other {
                            Value::Int(n) => n.to_string(),
                            o => format!("a {}", o.type_name()),
                        }))
                        .at(e.span, "bad count")
                        .help("write `count=3`, or `count=(var)\"replicas\"` with a number variable"),
                    );
                        return Err(());
                    }
                }
            }
        };
        Ok(count)
    }
}
