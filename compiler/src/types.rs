//! Terraform's type model (cty): the type of every attribute and exported
//! value, read from the provider schemas, and the conversion rules that say
//! whether a value of one type may be written where another is expected.
//! Lowering, references and checks share it, so "is this value allowed
//! here" is one function: `TfType::accepts`.

use std::collections::BTreeMap;

/// A Terraform (cty) type.
#[derive(Clone, Debug, PartialEq)]
pub enum TfType {
    String,
    Number,
    Bool,
    Dynamic,
    List(Box<TfType>),
    Set(Box<TfType>),
    Map(Box<TfType>),
    Object(BTreeMap<String, TfType>),
    Tuple(Vec<TfType>),
}

impl TfType {
    pub fn is_collection(&self) -> bool {
        matches!(self, TfType::List(_) | TfType::Set(_) | TfType::Tuple(_))
    }

    pub fn element(&self) -> Option<&TfType> {
        match self {
            TfType::List(t) | TfType::Set(t) | TfType::Map(t) => Some(t),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            TfType::String => "string".into(),
            TfType::Number => "number".into(),
            TfType::Bool => "bool".into(),
            TfType::Dynamic => "any".into(),
            TfType::List(t) => format!("list of {}", t.describe()),
            TfType::Set(t) => format!("set of {}", t.describe()),
            TfType::Map(t) => format!("map of {}", t.describe()),
            TfType::Object(_) => "object".into(),
            TfType::Tuple(_) => "tuple".into(),
        }
    }

    pub(crate) fn from_json(v: &serde_json::Value) -> TfType {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "string" => TfType::String,
                "number" => TfType::Number,
                "bool" => TfType::Bool,
                _ => TfType::Dynamic,
            },
            J::Array(a) if a.len() >= 2 => {
                let kind = a[0].as_str().unwrap_or("");
                match kind {
                    "list" => TfType::List(Box::new(TfType::from_json(&a[1]))),
                    "set" => TfType::Set(Box::new(TfType::from_json(&a[1]))),
                    "map" => TfType::Map(Box::new(TfType::from_json(&a[1]))),
                    "object" => TfType::Object(
                        a[1].as_object()
                            .map(|o| {
                                o.iter()
                                    .map(|(k, v)| (k.clone(), TfType::from_json(v)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    ),
                    "tuple" => TfType::Tuple(
                        a[1].as_array()
                            .map(|a| a.iter().map(TfType::from_json).collect())
                            .unwrap_or_default(),
                    ),
                    _ => TfType::Dynamic,
                }
            }
            _ => TfType::Dynamic,
        }
    }
}

impl TfType {
    /// Whether Terraform converts a value of type `from` to `self` when it
    /// is assigned to an attribute, without knowing the value: a number or
    /// bool becomes a string; a string may become a number or bool (Terraform
    /// checks the text when the value is known, as infrac does for
    /// literals); collections convert element by element; an object or map
    /// becomes an object with the same fields, or a map of one type. A
    /// collection never becomes a single value, nor the other way round.
    pub fn accepts(&self, from: &TfType) -> bool {
        use TfType::*;
        match (self, from) {
            (Dynamic, _) | (_, Dynamic) => true,
            (String | Number | Bool, String) => true,
            (String, Number | Bool) => true,
            (Number, Number) | (Bool, Bool) => true,
            (List(t) | Set(t), List(u) | Set(u)) => t.accepts(u),
            (List(t) | Set(t), Tuple(us)) => us.iter().all(|u| t.accepts(u)),
            (Tuple(ts), Tuple(us)) => {
                ts.len() == us.len() && ts.iter().zip(us).all(|(t, u)| t.accepts(u))
            }
            (Map(t), Map(u)) => t.accepts(u),
            (Map(t), Object(fields)) => fields.values().all(|u| t.accepts(u)),
            (Object(fields), Object(given)) => {
                given.keys().all(|k| fields.contains_key(k))
                    && fields
                        .iter()
                        .all(|(k, t)| given.get(k).is_none_or(|u| t.accepts(u)))
            }
            (Object(fields), Map(u)) => fields.values().all(|t| t.accepts(u)),
            _ => false,
        }
    }

    /// Whether a value of this type can stand inside a string template
    /// (`"${…}"`): only strings, numbers and bools can.
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            TfType::String | TfType::Number | TfType::Bool | TfType::Dynamic
        )
    }
}

#[cfg(test)]
mod tests {
    use super::TfType::*;
    use super::*;

    fn list(t: TfType) -> TfType {
        List(Box::new(t))
    }

    #[test]
    fn primitives_convert_as_terraform_converts_them() {
        assert!(String.accepts(&Number));
        assert!(String.accepts(&Bool));
        assert!(Number.accepts(&String));
        assert!(!Number.accepts(&Bool));
        assert!(!Bool.accepts(&Number));
    }

    #[test]
    fn collections_and_single_values_never_mix() {
        assert!(!String.accepts(&Map(Box::new(String))));
        assert!(!String.accepts(&list(String)));
        assert!(!list(Number).accepts(&list(list(String))));
        assert!(!list(String).accepts(&String));
        assert!(list(Number).accepts(&Set(Box::new(String))));
    }

    #[test]
    fn objects_take_their_own_fields_only() {
        let o = Object(BTreeMap::from([("a".into(), String), ("b".into(), Number)]));
        let given = Object(BTreeMap::from([("a".into(), Number)]));
        assert!(o.accepts(&given));
        let extra = Object(BTreeMap::from([("c".into(), String)]));
        assert!(!o.accepts(&extra));
        assert!(Map(Box::new(String)).accepts(&o));
        assert!(!Map(Box::new(Bool)).accepts(&Object(BTreeMap::from([("x".into(), list(String))]))));
    }
}
