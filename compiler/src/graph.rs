//! Resolve stage, graph: every reference is an edge from the resource that
//! is needed to the one that needs it. Cycles are diagnostics showing the
//! whole cycle; the order is topological, ties broken by source order, so
//! it is the same on every run.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::plan::{Plan, ResourceId};
use crate::source::Span;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

pub struct Graph {
    pub graph: DiGraph<ResourceId, Span>,
    /// Every edge goes from a resource to a later one (the usual case:
    /// things are declared before they are used).
    forward: bool,
}

impl Graph {
    pub fn build(plan: &Plan) -> Graph {
        let mut graph = Graph::new(plan.resources.len());
        let mut refs = Vec::new();
        for (i, r) in plan.resources.iter().enumerate() {
            refs.clear();
            r.body.refs(&mut refs);
            refs.extend(r.depends_on().iter().copied());
            refs.sort();
            refs.dedup_by_key(|(t, _)| *t);
            for (target, span) in &refs {
                graph.add_need(i, *target, *span);
            }
        }
        graph
    }

    fn new(n: usize) -> Graph {
        let mut graph = DiGraph::with_capacity(n, n);
        for i in 0..n {
            graph.add_node(i);
        }
        Graph {
            graph,
            forward: true,
        }
    }

    /// `needer` refers to `needed` at `span`.
    fn add_need(&mut self, needer: ResourceId, needed: ResourceId, span: Span) {
        self.forward &= needed < needer;
        self.graph
            .add_edge(NodeIndex::new(needed), NodeIndex::new(needer), span);
    }

    /// Reports every cycle; returns the stable topological order if none.
    pub fn order(&self, plan: &Plan, diags: &mut Diagnostics) -> Option<Vec<ResourceId>> {
        if self.forward {
            // Source order is then itself the smallest topological order,
            // the one `smallest_order` would find.
            return Some((0..self.graph.node_count()).collect());
        }
        if let Some(order) = self.smallest_order() {
            return Some(order);
        }
        let mut sccs = petgraph::algo::tarjan_scc(&self.graph);
        for scc in &mut sccs {
            scc.sort();
        }
        sccs.sort();
        for scc in sccs {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
            if scc.len() > 1 || self_loop {
                diags.push(self.cycle_diagnostic(plan, &scc));
            }
        }
        None
    }

    /// The topological order that takes, at each step, the first resource
    /// in source order whose needs are met; none if there is a cycle.
    fn smallest_order(&self) -> Option<Vec<ResourceId>> {
        let n = self.graph.node_count();
        let mut indegree: Vec<usize> = (0..n)
            .map(|i| {
                self.graph
                    .neighbors_directed(NodeIndex::new(i), petgraph::Incoming)
                    .count()
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..n).filter(|i| indegree[*i] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(i)) = ready.pop() {
            order.push(i);
            for next in self
                .graph
                .neighbors_directed(NodeIndex::new(i), petgraph::Outgoing)
            {
                let j = next.index();
                indegree[j] -= 1;
                if indegree[j] == 0 {
                    ready.push(Reverse(j));
                }
            }
        }
        (order.len() == n).then_some(order)
    }

    /// Walks one cycle through the component, from its first resource.
    fn cycle_diagnostic(&self, plan: &Plan, scc: &[NodeIndex]) -> Diagnostic {
        let start = scc[0];
        let mut path = vec![start];
        let mut edges: Vec<Span> = Vec::new();
        let mut current = start;
        let mut seen = vec![start];
        loop {
            // Follow, among edges into `current`, the first from the component:
            // edges point from the needed resource to the needing one, so walk
            // them backwards to read "a needs b needs c".
            let mut next = None;
            let mut incoming: Vec<_> = self
                .graph
                .edges_directed(current, petgraph::Incoming)
                .filter(|e| scc.contains(&petgraph::visit::EdgeRef::source(e)))
                .map(|e| (petgraph::visit::EdgeRef::source(&e), *e.weight()))
                .collect();
            incoming.sort();
            for (src, span) in incoming {
                if src == start || !seen.contains(&src) {
                    next = Some((src, span));
                    break;
                }
            }
            let Some((src, span)) = next else { break };
            edges.push(span);
            if src == start {
                break;
            }
            seen.push(src);
            path.push(src);
            current = src;
        }
        let name = |i: NodeIndex| {
            let r = &plan.resources[i.index()];
            format!("{}.{}", r.kind.kind, r.label)
        };
        let mut chain: Vec<String> = path.iter().map(|i| name(*i)).collect();
        chain.push(name(start));
        let first = &plan.resources[start.index()];
        let has = |resource: &str| {
            path.iter()
                .any(|i| plan.resources[i.index()].kind.resource == resource)
        };
        // The cycle real projects meet: an app's config vars reading its
        // own add-on's (the add-on needs the app to exist first).
        let help = if has("heroku_app") && has("heroku_addon") {
            "an add-on needs its app, so the app's own config vars cannot read the add-on's; the add-on already sets its vars on the app, and to copy one under another name set it in a `heroku-app-config-association \"NAME\" app-id=(ref)\"heroku-app.APP\" { sensitive-vars { NAME (ref)\"heroku-addon.….config-var-values.KEY\" } }`, which Terraform makes after both"
        } else {
            "a resource cannot depend on itself, directly or through others; remove one of these references"
        };
        let mut d = Diagnostic::error(
            Code::Cycle,
            format!("dependency cycle: {}", chain.join(" → ")),
        )
        .at(
            edges.first().copied().unwrap_or(first.span),
            format!("{} needs {}", chain[0], chain[1]),
        )
        .help(help);
        for (k, span) in edges.iter().enumerate().skip(1) {
            d = d.also(*span, format!("{} needs {}", chain[k], chain[k + 1]));
        }
        d
    }

    /// The resources `i` depends on, each once, in index order.
    fn needs(&self, i: ResourceId) -> Vec<ResourceId> {
        let mut targets: Vec<usize> = self
            .graph
            .neighbors_directed(NodeIndex::new(i), petgraph::Incoming)
            .map(|n| n.index())
            .collect();
        targets.sort_unstable();
        targets.dedup();
        targets
    }

    pub fn to_dot(&self, plan: &Plan, order: &[ResourceId]) -> String {
        let mut out = String::from(
            "digraph infrac {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        for &i in order {
            let r = &plan.resources[i];
            // Hand-written Terraform (`external`): drawn dashed.
            let style = if r.is_external() {
                " [style=dashed]"
            } else {
                ""
            };
            let _ = writeln!(out, "  \"{}.{}\"{style};", r.kind.address, r.ident);
        }
        for &i in order {
            let r = &plan.resources[i];
            for t in self.needs(i) {
                let d = &plan.resources[t];
                let _ = writeln!(
                    out,
                    "  \"{}.{}\" -> \"{}.{}\";",
                    r.kind.address, r.ident, d.kind.address, d.ident
                );
            }
        }
        out.push_str("}\n");
        out
    }

    /// For tools: each resource (in dependency order) with its kind,
    /// name, Terraform address and whether hand-written Terraform declares
    /// it, and each edge from a resource to one it needs.
    pub fn to_json(&self, plan: &Plan, order: &[ResourceId]) -> serde_json::Value {
        let address = |i: ResourceId| {
            let r = &plan.resources[i];
            format!("{}.{}", r.kind.address, r.ident)
        };
        let nodes: Vec<serde_json::Value> = order
            .iter()
            .map(|&i| {
                let r = &plan.resources[i];
                serde_json::json!({
                    "address": address(i),
                    "kind": r.kind.kind,
                    "name": r.label.as_str(),
                    "external": r.is_external(),
                })
            })
            .collect();
        let edges: Vec<serde_json::Value> = order
            .iter()
            .flat_map(|&i| {
                self.needs(i)
                    .into_iter()
                    .map(move |t| (i, t))
                    .collect::<Vec<_>>()
            })
            .map(|(i, t)| serde_json::json!({"from": address(i), "to": address(t)}))
            .collect();
        serde_json::json!({"resources": nodes, "needs": edges})
    }

    pub fn to_mermaid(&self, plan: &Plan, order: &[ResourceId]) -> String {
        let mut out = String::from("graph LR\n");
        for &i in order {
            let r = &plan.resources[i];
            let _ = writeln!(out, "  r{i}[\"{} {}\"]", r.kind.kind, r.label);
        }
        for &i in order {
            for t in self.needs(i) {
                let _ = writeln!(out, "  r{i} --> r{t}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Graph;
    use crate::source::Span;

    /// A small deterministic generator: no dependency for a few numbers.
    fn numbers(mut seed: u64) -> impl FnMut(usize) -> usize {
        move |below| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        }
    }

    fn random_graph(n: usize, edges: usize, forward_only: bool, seed: u64) -> Graph {
        let mut next = numbers(seed);
        let mut g = Graph::new(n);
        for _ in 0..edges {
            let (a, b) = (next(n), next(n));
            let (needer, needed) = if forward_only {
                (a.max(b), a.min(b))
            } else {
                (a, b)
            };
            if needer != needed {
                g.add_need(needer, needed, Span::default());
            }
        }
        g
    }

    #[test]
    fn source_order_is_kept_when_every_need_comes_first() {
        for seed in 1..200 {
            let g = random_graph(30, 60, true, seed);
            assert!(g.forward);
            let all: Vec<usize> = (0..30).collect();
            assert_eq!(g.smallest_order(), Some(all));
        }
    }

    #[test]
    fn later_needs_are_ordered_first_and_cycles_have_no_order() {
        let (mut ordered, mut cyclic) = (0, 0);
        for seed in 1..400 {
            let g = random_graph(12, 8, false, seed);
            match g.smallest_order() {
                Some(order) => {
                    ordered += 1;
                    let mut at = vec![0; order.len()];
                    for (k, i) in order.iter().enumerate() {
                        at[*i] = k;
                    }
                    for e in g.graph.raw_edges() {
                        assert!(at[e.source().index()] < at[e.target().index()]);
                    }
                }
                None => cyclic += 1,
            }
        }
        assert!(
            ordered > 50 && cyclic > 50,
            "{ordered} ordered, {cyclic} cyclic"
        );
    }
}
