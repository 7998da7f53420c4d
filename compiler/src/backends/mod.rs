//! Backends turn a checked plan into output files. They never report user
//! errors: whatever a backend cannot express was rejected before it.

mod block_writer;
pub mod caddy;
pub mod kubernetes;
pub mod nginx;
pub mod terraform;

use crate::plan::Plan;
use std::collections::BTreeMap;

/// Output files by path relative to the output folder (`terraform/main.tf`).
pub type Files = BTreeMap<String, String>;

/// A backend adds its files for a plan.
pub type Emit = fn(&Plan, &mut Files);

/// Every backend, in one list: adding a backend is adding a line here.
pub const BACKENDS: &[(&str, Emit)] = &[
    ("terraform", terraform::emit),
    ("caddy", caddy::emit),
    ("nginx", nginx::emit),
    ("kubernetes", kubernetes::emit),
];

/// Every backend's files but Terraform's (whose roots a project with
/// environments writes itself).
pub fn emit_all_but_terraform(plan: &Plan) -> Files {
    let mut files = Files::new();
    for (name, emit) in BACKENDS {
        if *name != "terraform" {
            emit(plan, &mut files);
        }
    }
    files
}

pub fn emit_all(plan: &Plan) -> Files {
    let mut files = Files::new();
    for (_, emit) in BACKENDS {
        emit(plan, &mut files);
    }
    files
}
