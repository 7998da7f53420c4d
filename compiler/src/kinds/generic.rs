//! Generic kinds: every resource type of a vendored provider is a kind
//! named by its Terraform type in kebab case (`aws_sqs_queue` →
//! `aws-sqs-queue`), typed by the provider's schema alone: no defaults,
//! short names or children beyond the schema's own blocks. Curated kinds
//! (`schemas/kinds/`) are the friendlier names and win where both exist.

use super::Kind;
use crate::schema::{self, VENDORED};
use std::sync::OnceLock;

/// The generic kind called `name`, if a vendored provider has that type.
/// Made on first use and kept for the process.
pub fn kind(name: &str) -> Option<&'static Kind> {
    let (provider, rest) = name.split_once('-')?;
    if rest.is_empty() || name.contains('_') {
        return None;
    }
    let p = VENDORED.iter().position(|p| p.name == provider)?;
    let schema = schema::provider(provider)?;
    let resource = name.replace('-', "_");
    let i = schema.position(&resource)?;
    let cells = &cells()[p];
    Some(*cells[i].get_or_init(|| {
        let block = schema.resource_at(i).expect("indexed");
        let doc = first_sentence(&block.description);
        Box::leak(Box::new(Kind::generic(name, provider, &resource, doc)))
    }))
}

/// One cell per resource type of each vendored provider, in index order.
fn cells() -> &'static [Vec<OnceLock<&'static Kind>>] {
    static CELLS: OnceLock<Vec<Vec<OnceLock<&'static Kind>>>> = OnceLock::new();
    CELLS.get_or_init(|| {
        VENDORED
            .iter()
            .map(|p| {
                let n = schema::provider(p.name).map_or(0, |s| s.resource_names().count());
                (0..n).map(|_| OnceLock::new()).collect()
            })
            .collect()
    })
}

/// Every generic kind name, in order: for listings and did-you-mean.
pub fn names() -> Vec<String> {
    let mut names = Vec::new();
    for p in VENDORED {
        if let Some(schema) = schema::provider(p.name) {
            names.extend(schema.resource_names().map(|r| r.replace('_', "-")));
        }
    }
    names.sort();
    names
}

fn first_sentence(description: &str) -> String {
    let text = description.trim();
    let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
    let doc = text[..end].trim();
    if doc.is_empty() {
        "A resource of the provider, typed by its schema.".to_string()
    } else {
        doc.to_string()
    }
}
