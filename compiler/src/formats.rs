//! Value formats that providers accept only in one shape: IP addresses and
//! CIDR blocks, port ranges, host names, email addresses, URLs. A kind names
//! the format of an attribute (`"formats": {"inbound_rule.source_addresses":
//! "ip-or-cidr"}`) and the check stage checks every literal written there,
//! at its span, instead of leaving the error to `terraform apply`.

use serde::Deserialize;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `192.0.2.1`, `192.0.2.0/24`, `2001:db8::/32`, `::/0`.
    IpOrCidr,
    /// `192.0.2.1` or `2001:db8::1`.
    Ip,
    /// `22`, `8000-9000`.
    PortRange,
    /// A DNS name: `example.com`, `*.example.com`.
    Hostname,
    /// `ops@example.com`.
    Email,
    /// `https://example.com/path`.
    Url,
}

impl Format {
    /// What the format is, with an example, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::IpOrCidr => "an IP address or CIDR block (`192.0.2.0/24`, `2001:db8::/32`)",
            Format::Ip => "an IP address (`192.0.2.1`, `2001:db8::1`)",
            Format::PortRange => "a port or port range (`22`, `8000-9000`)",
            Format::Hostname => "a host name (`www.example.com`)",
            Format::Email => "an email address (`ops@example.com`)",
            Format::Url => "an http(s) URL (`https://example.com/`)",
        }
    }

    /// Why `text` is not of this format, if it is not.
    pub fn check(self, text: &str) -> Result<(), String> {
        match self {
            Format::IpOrCidr => ip_or_cidr(text),
            Format::Ip => ip(text).map(|_| ()),
            Format::PortRange => port_range(text),
            Format::Hostname => hostname(text),
            Format::Email => email(text),
            Format::Url => url(text),
        }
    }
}

/// Whether the address is IPv6 (for the prefix length's bound).
fn ip(text: &str) -> Result<bool, String> {
    if text.parse::<Ipv4Addr>().is_ok() {
        return Ok(false);
    }
    if text.parse::<Ipv6Addr>().is_ok() {
        return Ok(true);
    }
    Err(format!("`{text}` is not an IP address"))
}

fn ip_or_cidr(text: &str) -> Result<(), String> {
    let Some((addr, prefix)) = text.split_once('/') else {
        return ip(text).map(|_| ());
    };
    let v6 = ip(addr)?;
    let max = if v6 { 128 } else { 32 };
    match prefix.parse::<u8>() {
        Ok(p) if p <= max && !prefix.starts_with('+') => Ok(()),
        _ => Err(format!("`/{prefix}` is not a prefix length (0 to {max})")),
    }
}

fn port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(p) if p >= 1 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err(format!("`{text}` is not a port (1 to 65535)")),
    }
}

fn port_range(text: &str) -> Result<(), String> {
    match text.split_once('-') {
        None => port(text).map(|_| ()),
        Some((a, b)) => {
            let (a, b) = (port(a)?, port(b)?);
            if a <= b {
                Ok(())
            } else {
                Err(format!("the range starts after it ends ({a} > {b})"))
            }
        }
    }
}

fn hostname(text: &str) -> Result<(), String> {
    let name = text.strip_prefix("*.").unwrap_or(text);
    let name = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!("`{text}` is not a host name"))
    }
}

fn email(text: &str) -> Result<(), String> {
    match text.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !local.contains(|c: char| c.is_whitespace() || c.is_control())
                && hostname(domain).is_ok()
                && domain.contains('.') =>
        {
            Ok(())
        }
        _ => Err(format!("`{text}` is not an email address")),
    }
}

fn url(text: &str) -> Result<(), String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Err(format!("`{text}` does not start with https:// or http://"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    // `[v6]:port`, `host:port` or `host`.
    let (host, port_text) = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, rest)) => (addr, rest.strip_prefix(':')),
            None => return Err(format!("`{text}` is not a URL")),
        },
        None => match host.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host, None),
        },
    };
    if let Some(p) = port_text {
        port(p)?;
    }
    let host_ok = hostname(host).is_ok() || ip(host).is_ok();
    if host_ok && !text.contains(|c: char| c.is_whitespace() || c.is_control()) {
        Ok(())
    } else {
        Err(format!("`{text}` is not a URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::Format::*;

    #[test]
    fn addresses_and_blocks() {
        for ok in [
            "0.0.0.0/0",
            "::/0",
            "192.0.2.1",
            "10.0.0.0/8",
            "2001:db8::/32",
        ] {
            assert_eq!(IpOrCidr.check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "999.1.1.1/33",
            "192.0.2.0/33",
            "hello world",
            "netauth.voidlinux.org",
            "::/129",
            "1.2.3.4/",
            "",
        ] {
            assert!(IpOrCidr.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_and_ranges() {
        for ok in ["22", "1-65535", "8000-9000"] {
            assert_eq!(PortRange.check(ok), Ok(()), "{ok}");
        }
        for bad in ["0", "65536", "9000-8000", "all", "22-", "+22", " 22"] {
            assert!(PortRange.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_mails_and_urls() {
        assert!(Hostname.check("*.example.com").is_ok());
        assert!(Hostname.check("bad_name.example.com").is_err());
        assert!(Email.check("ops@example.com").is_ok());
        assert!(Email.check("ops@localhost").is_err());
        assert!(Url.check("https://example.com:8443/x?y").is_ok());
        assert!(Url.check("https://[2001:db8::1]/").is_ok());
        assert!(Url.check("ftp://example.com").is_err());
        assert!(Url.check("https://exa mple.com").is_err());
    }
}
