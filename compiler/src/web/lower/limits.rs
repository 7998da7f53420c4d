//! Request rate and connection limits of a site or a route:
//! `rate-limit="10r/s" rate-burst=20`, `conn-limit=50`.

use super::*;

impl Lowerer<'_> {
    /// `rate-limit` (with `rate-burst`) among a node's properties; `None`
    /// when it has none or they are wrong (reported).
    pub(super) fn rate_limit(&mut self, props: &[IField]) -> Option<RateLimit> {
        let rate = props.iter().find(|p| p.name == "rate-limit");
        let burst = props.iter().find(|p| p.name == "rate-burst");
        let Some(rate) = rate else {
            if let Some(b) = burst {
                self.bad(
                    b.value.span,
                    "`rate-burst` without a `rate-limit`".into(),
                    "a burst of no limit",
                    "give the rate too: `rate-limit=\"10r/s\" rate-burst=20`",
                );
            }
            return None;
        };
        let text = self.text(&rate.value, "a request rate")?;
        let parsed = text
            .strip_suffix("r/s")
            .map(|n| (n, true))
            .or_else(|| text.strip_suffix("r/m").map(|n| (n, false)))
            .and_then(|(n, per_second)| {
                Some((n.parse::<u32>().ok().filter(|n| *n > 0)?, per_second))
            });
        let Some((requests, per_second)) = parsed else {
            self.bad(
                rate.value.span,
                format!("`{text}` is not a request rate"),
                "expected requests per second or minute",
                "write it as nginx does: `10r/s` (per second) or `30r/m` (per minute)",
            );
            return None;
        };
        let burst = match burst {
            Some(b) => self.number(&b.value, "rate-burst", 0..=100_000)? as u32,
            None => 0,
        };
        Some(RateLimit {
            requests,
            per_second,
            burst,
        })
    }
}
