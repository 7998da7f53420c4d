//! Generic kinds: every resource type of a vendored provider is a kind
//! named by its Terraform type in kebab case (`aws_sqs_queue` →
//! `aws-sqs-queue`), typed by the provider's schema alone: no defaults,
//! short names or children beyond the schema's own blocks. Curated kinds
//! (`schemas/kinds/`) are the friendlier names and win where both exist.
//! Data sources are kinds too, named `data.<type>` (`data "aws-ami" "x"`
//! in the language, `data.aws-ami.x.id` in references).

use super::Kind;
use crate::schema::{self, ProviderSchema, VENDORED};
use std::sync::OnceLock;

/// The prefix of a data source's kind name: `data.aws-ami`.
pub const DATA: &str = "data.";

/// The generic kind called `name` (`aws-sqs-queue`, or `data.aws-ami` for
/// a data source), if a vendored provider has that type. Made on first use
/// and kept for the process.
pub fn kind(name: &str) -> Option<&'static Kind> {
    let (provider, _) = split(name)?;
    let p = VENDORED.iter().position(|p| p.name == provider)?;
    let (resources, data) = &cells()[p];
    of(name, schema::provider(provider)?, None, resources, data)
}

/// `(provider, is_data)` of a generic kind name.
pub fn split(name: &str) -> Option<(&str, bool)> {
    let (data, type_name) = match name.strip_prefix(DATA) {
        Some(t) => (true, t),
        None => (false, name),
    };
    let (provider, rest) = type_name.split_once('-')?;
    if rest.is_empty() || type_name.contains('_') || type_name.contains('.') {
        return None;
    }
    Some((provider, data))
}

/// The kind `name` of a provider's schema, made in its cell on first use.
/// `own`: the schema a project brought (its kinds point at it).
pub fn of(
    name: &str,
    schema: &'static ProviderSchema,
    own: Option<&'static ProviderSchema>,
    resources: &[OnceLock<&'static Kind>],
    data_sources: &[OnceLock<&'static Kind>],
) -> Option<&'static Kind> {
    let (provider, data) = split(name)?;
    let type_name = name.strip_prefix(DATA).unwrap_or(name);
    let resource = type_name.replace('-', "_");
    let (i, cells) = if data {
        (schema.data_position(&resource)?, data_sources)
    } else {
        (schema.position(&resource)?, resources)
    };
    Some(*cells.get(i)?.get_or_init(|| {
        let block = if data {
            schema.data_source_at(i)
        } else {
            schema.resource_at(i)
        }
        .expect("indexed");
        let doc = first_sentence(&block.description, data);
        let mut kind = Kind::generic(name, provider, &resource, doc, data);
        kind.own_schema = own;
        Box::leak(Box::new(kind))
    }))
}

pub type Cells = Vec<OnceLock<&'static Kind>>;

/// Empty cells, one per type.
pub fn cells_for(n: usize) -> Cells {
    (0..n).map(|_| OnceLock::new()).collect()
}

/// One cell per resource type and per data source of each vendored
/// provider, in index order.
fn cells() -> &'static [(Cells, Cells)] {
    static CELLS: OnceLock<Vec<(Cells, Cells)>> = OnceLock::new();
    CELLS.get_or_init(|| {
        let make = cells_for;
        VENDORED
            .iter()
            .map(|p| match schema::provider(p.name) {
                Some(s) => (
                    make(s.resource_names().count()),
                    make(s.data_source_names().count()),
                ),
                None => (Vec::new(), Vec::new()),
            })
            .collect()
    })
}

/// Every generic resource kind name, in order: for listings and
/// did-you-mean (made once).
pub fn names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Vec::new();
        for p in VENDORED {
            if let Some(schema) = schema::provider(p.name) {
                names.extend(schema.resource_names().map(|r| r.replace('_', "-")));
            }
        }
        names.sort();
        names
    })
}

/// Every data source type, in kebab case (`aws-ami`), in order.
pub fn data_names() -> Vec<String> {
    let mut names = Vec::new();
    for p in VENDORED {
        if let Some(schema) = schema::provider(p.name) {
            names.extend(schema.data_source_names().map(|r| r.replace('_', "-")));
        }
    }
    names.sort();
    names
}

fn first_sentence(description: &str, data: bool) -> String {
    let text = description.trim();
    let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
    let doc = text[..end].trim();
    if doc.is_empty() {
        if data {
            "A data source of the provider, typed by its schema.".to_string()
        } else {
            "A resource of the provider, typed by its schema.".to_string()
        }
    } else {
        doc.to_string()
    }
}
