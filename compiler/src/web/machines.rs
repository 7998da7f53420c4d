//! `machine "NAME" address=… [address-v6=…] [private-address=…]`: a server
//! infrac does not create (a mirror at another host, a machine run by
//! hand) that sites run on and proxy to. It has no Terraform resource:
//! its addresses are given, so its sites' DNS records and the upstreams
//! that name it use them as written.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::expand::{Instance, Value};
use crate::source::Span;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The keyword that declares a machine.
pub const MACHINE: &str = "machine";

const PROPS: &[&str] = &["address", "address-v6", "private-address"];

/// `machine` for `infrac kinds`.
pub fn info() -> crate::model::StageKindInfo {
    crate::model::StageKindInfo {
        name: MACHINE,
        doc: "A server infrac does not create, by its addresses: sites run on it (`on=(ref)\"machine.NAME\"`) and proxy to it.",
        props: PROPS.to_vec(),
        children: Vec::new(),
    }
}

#[derive(Clone, Debug)]
pub struct Machine {
    pub address: Ipv4Addr,
    pub address_v6: Option<Ipv6Addr>,
    pub private_address: Option<Ipv4Addr>,
    pub span: Span,
}

impl Machine {
    /// The address another server proxies to it by: its private one when
    /// it has one.
    pub fn upstream_address(&self) -> String {
        self.private_address.unwrap_or(self.address).to_string()
    }
}

/// Takes the machine instances out of `instances` and reads them.
pub fn take(instances: &mut Vec<Instance>, diags: &mut Diagnostics) -> HashMap<String, Machine> {
    let mut machines = HashMap::new();
    if !instances.iter().any(|i| i.kind == MACHINE) {
        return machines;
    }
    let (found, others): (Vec<Instance>, Vec<Instance>) = std::mem::take(instances)
        .into_iter()
        .partition(|i| i.kind == MACHINE);
    *instances = others;
    for inst in found {
        if let Some(m) = read(&inst, diags) {
            if let Some(first) = machines.get(inst.label.as_str()).map(|m: &Machine| m.span) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!("machine `{}` is declared twice", inst.label),
                    )
                    .at(inst.label_span, "declared again here")
                    .also(first, "first declared here")
                    .help("machine names are unique; rename one of them"),
                );
                continue;
            }
            machines.insert(inst.label.to_string(), m);
        }
    }
    machines
}

fn read(inst: &Instance, diags: &mut Diagnostics) -> Option<Machine> {
    for c in &inst.children {
        diags.push(
            Diagnostic::error(
                Code::UnknownAttribute,
                format!("a machine has no `{}`", c.name),
            )
            .at(c.name_span, "unknown here")
            .help("a machine takes `address`, `address-v6` and `private-address`"),
        );
    }
    let mut address = None;
    let mut v6 = None;
    let mut private = None;
    let mut ok = true;
    for p in &inst.props {
        let text = match &p.value.value {
            Value::Str(s) => s.to_string(),
            _ => {
                diags.push(
                    Diagnostic::error(Code::WrongType, format!("`{}` is an address", p.name))
                        .at(p.value.span, "expected a string")
                        .help("write the address as a string: `address=\"203.0.113.7\"`"),
                );
                ok = false;
                continue;
            }
        };
        let bad = |diags: &mut Diagnostics, what: &str| {
            diags.push(
                Diagnostic::error(
                    Code::InvalidSiteValue,
                    format!("`{text}` is not an {what} address"),
                )
                .at(p.value.span, format!("expected an {what} address"))
                .help("a machine's addresses are literal: `address=\"203.0.113.7\"`, `address-v6=\"2001:db8::7\"`, `private-address=\"10.0.0.7\"`"),
            );
        };
        match p.name.as_str() {
            "address" | "private-address" => match text.parse::<Ipv4Addr>() {
                Ok(a) if p.name == "address" => address = Some(a),
                Ok(a) => private = Some(a),
                Err(_) => {
                    bad(diags, "IPv4");
                    ok = false;
                }
            },
            "address-v6" => match text.parse::<Ipv6Addr>() {
                Ok(a) => v6 = Some(a),
                Err(_) => {
                    bad(diags, "IPv6");
                    ok = false;
                }
            },
            other => {
                diags.push(
                    Diagnostic::error(
                        Code::UnknownAttribute,
                        format!("a machine has no `{other}`"),
                    )
                    .at(p.name_span, "unknown here")
                    .help(crate::diag::suggest(
                        other,
                        PROPS,
                        "a machine takes `address`, `address-v6` and `private-address`",
                    )),
                );
                ok = false;
            }
        }
    }
    let Some(address) = address else {
        if ok {
            diags.push(
                Diagnostic::error(
                    Code::MissingRequired,
                    format!("machine `{}` needs its address", inst.label),
                )
                .at(inst.label_span, "no `address`")
                .help("add `address=\"203.0.113.7\"`: its public IPv4 address"),
            );
        }
        return None;
    };
    ok.then_some(Machine {
        address,
        address_v6: v6,
        private_address: private,
        span: inst.label_span,
    })
}
