//! `api.trusted_proxies` and `api.client_address_header`: which peers may
//! tell the api who the client is.
//!
//! Behind a reverse proxy every request comes from the proxy's address, so a
//! limit keyed on the peer would put every client in one bucket. The proxies
//! listed here (addresses or CIDR blocks) are believed when they name the
//! client in the header chosen; nobody else is. Off (empty) by default.

use std::fmt;
use std::net::IpAddr;

use serde::Deserialize;

/// An address block: an address and how many of its leading bits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    address: IpAddr,
    prefix: u8,
}

impl IpBlock {
    /// `10.0.0.0/8`, `fd00::/8`, or one address (`192.0.2.7`, `::1`).
    pub fn parse(text: &str) -> Option<IpBlock> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let written: IpAddr = address.trim().parse().ok()?;
        let width = if written.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = match prefix {
            None => width,
            Some(prefix) if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) => prefix.parse().ok()?,
            Some(_) => return None,
        };
        if prefix > width {
            return None;
        }
        // An IPv4-mapped IPv6 block (`::ffff:10.0.0.0/104`) is its IPv4 block.
        let address = written.to_canonical();
        let prefix = if written.is_ipv6() && address.is_ipv4() {
            prefix.checked_sub(96)?
        } else {
            prefix
        };
        Some(IpBlock { address, prefix })
    }

    /// Whether `address` is in the block (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.address, address.to_canonical()) {
            (IpAddr::V4(block), IpAddr::V4(address)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(block) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(block), IpAddr::V6(address)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(block) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for IpBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The proxies believed, as written (a list in a file, or one comma- or
/// space-separated string in `NUDGE__API__TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    entries: Vec<String>,
    blocks: Vec<IpBlock>,
}

impl TrustedProxies {
    /// The proxies of `entries`; `Err` names the position (from 1) of the first
    /// entry that is not an address or a CIDR block.
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, usize> {
        let entries: Vec<String> = entries
            .iter()
            .map(|e| e.as_ref().trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        let blocks = entries
            .iter()
            .enumerate()
            .map(|(n, e)| IpBlock::parse(e).ok_or(n + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies { entries, blocks })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `address` is one of the proxies believed.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.blocks.iter().any(|block| block.contains(address))
    }

    /// The position (from 1) of the first entry that did not parse.
    pub(crate) fn first_invalid(&self) -> Option<usize> {
        (self.blocks.len() != self.entries.len()).then(|| {
            self.entries
                .iter()
                .position(|e| IpBlock::parse(e).is_none())
                .map_or(self.entries.len(), |n| n + 1)
        })
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            One(String),
            Many(Vec<String>),
        }
        let entries: Vec<String> = match Written::deserialize(deserializer)? {
            Written::One(text) => text.split([',', ' ']).map(str::to_owned).collect(),
            Written::Many(list) => list,
        };
        let entries: Vec<String> = entries
            .into_iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        // Kept as written when an entry does not parse: `validate` names it.
        let blocks = entries.iter().filter_map(|e| IpBlock::parse(e)).collect();
        Ok(TrustedProxies { entries, blocks })
    }
}

/// The header a trusted proxy names the client in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAddressHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, ingress-nginx, Traefik, Caddy).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for="[2001:db8::1]:4711"` (RFC 7239).
    Forwarded,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(block: &str, address: &str, inside: bool) {
        let block = IpBlock::parse(block).expect("block");
        assert_eq!(
            block.contains(address.parse().expect("address")),
            inside,
            "{block} {address}"
        );
    }

    #[test]
    fn blocks_contain_their_addresses() {
        check("10.0.0.0/8", "10.1.2.3", true);
        check("10.0.0.0/8", "11.0.0.1", false);
        check("192.0.2.7", "192.0.2.7", true);
        check("192.0.2.7", "192.0.2.8", false);
        check("0.0.0.0/0", "203.0.113.9", true);
        check("172.16.0.0/12", "172.31.255.255", true);
        check("172.16.0.0/12", "172.32.0.0", false);
        check("fd00::/8", "fd12::1", true);
        check("fd00::/8", "fe80::1", false);
        check("::1", "::1", true);
        check("::/0", "2001:db8::1", true);
        // An IPv4-mapped IPv6 peer is its IPv4 address.
        check("10.0.0.0/8", "::ffff:10.0.0.9", true);
        check("::ffff:10.0.0.0/104", "10.0.0.9", true);
        check("10.0.0.0/8", "fd00::1", false);
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/x",
            "example.com",
            "10.0.0.0/-1",
        ] {
            assert_eq!(IpBlock::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn lists_name_their_first_bad_entry() {
        assert!(TrustedProxies::new(&["10.0.0.0/8", " 127.0.0.1 "]).is_ok());
        assert_eq!(TrustedProxies::new(&["10.0.0.0/8", "nope"]), Err(2));
        assert!(TrustedProxies::new::<&str>(&[]).expect("empty").is_empty());
    }
}
