//! Which client a request comes from, for the per-client limits of sign-in
//! and subscribing: the peer address, or, when the peer is a trusted reverse
//! proxy (`REGWATCH_TRUSTED_PROXIES`), the address it reports in
//! `X-Forwarded-For`. A header from any other peer is ignored, since anyone
//! can send one.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderName;
use actix_web::HttpRequest;
use ipnet::IpNet;

use crate::config::Settings;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's IP address as text (`unknown` without a peer address).
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> String {
    let Some(peer) = req.peer_addr() else {
        return "unknown".to_owned();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .flat_map(|v| v.to_str().unwrap_or("-").split(','))
        .collect();
    resolve(peer.ip(), &forwarded, &settings.trusted_proxies).to_string()
}

/// Walks `X-Forwarded-For` from its right end: while the address reached
/// so far is a trusted proxy, the hop it reports is the next candidate. The
/// first address that is not a trusted proxy is the client; an unreadable
/// hop stops the walk at the proxy that reported it.
fn resolve(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    for hop in forwarded.iter().rev() {
        if !is_trusted(&client) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => client = ip,
            None => break,
        }
    }
    client
}

/// An address as proxies write it: `203.0.113.7`, `2001:db8::1`, or with a
/// port (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let proxies = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // An untrusted peer: its header is ignored.
        assert_eq!(
            resolve(ip("198.51.100.9"), &["203.0.113.7"], &proxies),
            ip("198.51.100.9")
        );
        // Trusted: the rightmost hop that is not a proxy.
        assert_eq!(
            resolve(ip("127.0.0.1"), &["203.0.113.7"], &proxies),
            ip("203.0.113.7")
        );
        assert_eq!(
            resolve(
                ip("127.0.0.1"),
                &["6.6.6.6", " 203.0.113.7", "10.1.2.3"],
                &proxies
            ),
            ip("203.0.113.7"),
            "a forged left part is not reached"
        );
        // Without a header, or with nothing configured, the peer.
        assert_eq!(resolve(ip("127.0.0.1"), &[], &proxies), ip("127.0.0.1"));
        assert_eq!(
            resolve(ip("127.0.0.1"), &["203.0.113.7"], &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn odd_hops_are_read_or_stop_the_walk() {
        let proxies = nets(&["127.0.0.1/32", "::1/128"]);
        assert_eq!(
            resolve(ip("::ffff:127.0.0.1"), &["[2001:db8::1]:4711"], &proxies),
            ip("2001:db8::1")
        );
        assert_eq!(
            resolve(ip("::1"), &["203.0.113.7:80"], &proxies),
            ip("203.0.113.7")
        );
        assert_eq!(
            resolve(ip("127.0.0.1"), &["203.0.113.7", "unknown"], &proxies),
            ip("127.0.0.1")
        );
    }
}
