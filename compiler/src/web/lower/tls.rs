//! A site's TLS settings besides its certificates: the versions served
//! (`tls-versions`) and the TLS 1.2 suites offered (`tls-ciphers`).

use super::*;

impl Lowerer<'_> {
    /// `"1.2 1.3"` or `"1.3"`: the oldest and newest version served.
    pub(super) fn tls_versions(&mut self, v: &SValue) -> Option<(u8, u8)> {
        let t = self.text(v, "TLS versions")?;
        let versions: Vec<Option<u8>> = t
            .split_whitespace()
            .map(|x| match x {
                "1.2" => Some(2),
                "1.3" => Some(3),
                _ => None,
            })
            .collect();
        match versions.as_slice() {
            [Some(a)] => Some((*a, *a)),
            [Some(2), Some(3)] => Some((2, 3)),
            _ => {
                self.bad(
                    v.span,
                    format!("`{t}` is not a range of TLS versions both engines serve"),
                    "expected \"1.2 1.3\" or \"1.3\"",
                    "both engines serve TLS 1.2 and 1.3 (older versions are insecure, and Caddy has none): write `tls-versions=\"1.3\"` for 1.3 alone",
                );
                None
            }
        }
    }

    /// The suites named, by IANA name, each once; an unknown one reported.
    pub(super) fn tls_ciphers(&mut self, v: &SValue) -> Vec<&'static CipherSuite> {
        let mut suites: Vec<&'static CipherSuite> = Vec::new();
        let Some(t) = self.text(v, "cipher suites") else {
            return suites;
        };
        for name in t.split_whitespace() {
            match CIPHER_SUITES.iter().find(|c| c.iana == name) {
                Some(c) if !suites.contains(&c) => suites.push(c),
                Some(_) => {}
                None => self.bad(
                    v.span,
                    format!("`{name}` is not a TLS 1.2 cipher suite both engines offer"),
                    "an unknown suite",
                    &format!(
                        "name suites by their IANA names, separated by spaces: {}",
                        CIPHER_SUITES
                            .iter()
                            .map(|c| c.iana)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        suites
    }

    /// `tls-ciphers` (at `span`) means something only with TLS 1.2 on.
    pub(super) fn ciphers_apply(&mut self, site: &Site, span: Span) {
        if site.tls == Tls::Off {
            self.bad(
                span,
                "the site has no TLS".into(),
                "cipher suites of no TLS",
                "`tls-ciphers` chooses the TLS 1.2 suites of a site with TLS: drop it here",
            );
        } else if site.tls_versions.0 == 3 {
            self.bad(
                span,
                "TLS 1.3 alone has no suites to choose".into(),
                "with `tls-versions=\"1.3\"`",
                "both engines fix TLS 1.3's suites (Caddy cannot change them, nginx's `ssl_ciphers` does not): drop `tls-ciphers`, or offer TLS 1.2 too",
            );
        }
    }
}
