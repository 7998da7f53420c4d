//! The backend in force: the project's, as the environment in force
//! changes or replaces it.

use super::*;

impl Expander<'_> {
    pub(super) fn backend(
        &mut self,
        project: Option<&BackendDecl>,
        env: Option<&EnvironmentDecl>,
        scope: &Scope,
    ) -> Option<ExpandedBackend> {
        let own = env.and_then(|e| e.backend.as_ref());
        match (project, own) {
            (None, None) => None,
            // A whole backend of the environment's own.
            (_, Some(own)) if own.kind.is_some() => Some(ExpandedBackend {
                kind: own.kind.clone(),
                props: self.fields(&own.props, scope),
                children: self.children(&own.children, scope),
                span: own.span,
                environment: None,
                set_by_environment: Vec::new(),
            }),
            (Some(base), own) => {
                let mut props = self.fields(&base.props, scope);
                let mut children = self.children(&base.children, scope);
                let mut set_by_environment = Vec::new();
                if let Some(own) = own {
                    let changed = self.fields(&own.props, scope);
                    let added = self.children(&own.children, scope);
                    props.retain(|p| !changed.iter().any(|c| c.name == p.name));
                    children.retain(|c| !added.iter().any(|a| a.name == c.name));
                    set_by_environment.extend(changed.iter().map(|c| c.name.clone()));
                    set_by_environment.extend(added.iter().map(|c| c.name.clone()));
                    props.extend(changed);
                    children.extend(added);
                }
                Some(ExpandedBackend {
                    kind: base.kind.clone(),
                    props,
                    children,
                    span: base.span,
                    environment: env.map(|e| e.name.clone()),
                    set_by_environment,
                })
            }
            // Changes to a backend the project does not declare.
            (None, Some(own)) => Some(ExpandedBackend {
                kind: None,
                props: Vec::new(),
                children: Vec::new(),
                span: own.span,
                environment: None,
                set_by_environment: Vec::new(),
            }),
        }
    }
}
