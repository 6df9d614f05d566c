//! The request extractors every room uses: JSON and query strings with limits and clear
//! refusals, the client's address (behind trusted proxies) and origin, the idempotency key.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    Json,
    extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request},
    http::{HeaderMap, request::Parts},
};
use ipnet::{IpNet, Ipv6Net};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; anything unreadable is refused with our `bad_request` body, never with the
/// parser's message (which may quote the input back).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| Self(value))
            .map_err(|_| ApiError::BadRequest)
    }
}

/// The `Idempotency-Key` header when it is one (8 to 100 characters): a write sent again with
/// the key it was first sent with has the effect it had once. `None` when absent or malformed.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let key =
            parts.headers.get(app::api::IDEMPOTENCY_HEADER).and_then(|value| value.to_str().ok());
        Ok(Self(key.filter(|key| (8..=100).contains(&key.len())).map(str::to_owned)))
    }
}

/// The media type a `Content-Type` header names, without its parameters (`text/plain;
/// charset=utf-8` is `text/plain`); empty when there is none.
pub fn media_type(headers: &HeaderMap) -> &str {
    let media = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    app::vocabulary::media_essence(media.unwrap_or(""))
}

/// A query string; anything unreadable is refused with our `bad_request` body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|_| ApiError::BadRequest)
    }
}

/// The reverse proxies whose forwarding header is believed (`--trusted-proxy`), and which
/// header they write. Deny by default: with none configured, no header is read.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    networks: Arc<[IpNet]>,
    header: ForwardedHeader,
}

/// `10.0.0.0/8` or a bare address (`192.0.2.1`, one host): a trusted proxy.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an address nor a network (e.g. 10.0.0.0/8)"))
}

/// The header a trusted proxy writes the client's address in. Only that one is read: a client
/// could send the other, and a proxy that does not rewrite it would pass it on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx's `$proxy_add_x_forwarded_for`, haproxy's
    /// `option forwardfor`).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>, header: ForwardedHeader) -> Self {
        Self { networks: networks.into(), header }
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.networks.iter().any(|network| network.contains(&address))
    }

    /// The client of a request that reached this process from `peer`: `peer` itself unless it
    /// is a trusted proxy; then, in the addresses the proxies appended (oldest first), the
    /// right-most one that is not a trusted proxy. An entry that does not parse ends the walk
    /// at the proxy that passed it on (nothing left of it can be believed).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let chain = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded_for(headers),
        };
        for hop in chain.iter().rev() {
            let Some(address) = hop else { return client };
            client = address.to_canonical();
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

/// The de facto header by which proxies pass on the client's address (not in `http::header`).
pub const X_FORWARDED_FOR: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-forwarded-for");

/// Every address of every `X-Forwarded-For` header, in order; `None` for one that does not
/// parse.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(|hop| hop.trim().parse().ok()).collect(),
            Err(_) => vec![None],
        })
        .collect()
}

/// The `for=` node of every element of every RFC 7239 `Forwarded` header, in order; `None` for
/// one that is missing, obfuscated or does not parse.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(forwarded_node).collect(),
            Err(_) => vec![None],
        })
        .collect()
}

/// `for=192.0.2.60`, `for="192.0.2.60:4711"`, `for="[2001:db8::17]:4711"` → the address.
fn forwarded_node(element: &str) -> Option<IpAddr> {
    let node = element.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
    })?;
    if let Some(bracketed) = node.strip_prefix('[') {
        return bracketed.split_once(']').and_then(|(address, _)| address.parse().ok());
    }
    node.parse().ok().or_else(|| node.rsplit_once(':').and_then(|(v4, _)| v4.parse().ok()))
}

/// The key a client address is rate-limited under: the address itself for IPv4, its /64 network
/// for IPv6 (one subscriber line gets a whole /64; its addresses are one client).
pub fn limit_key(address: &str) -> String {
    match address.parse::<IpAddr>().map(|address| address.to_canonical()) {
        Ok(IpAddr::V6(v6)) => match Ipv6Net::new(v6, 64) {
            Ok(network) => network.trunc().to_string(),
            Err(_) => v6.to_string(),
        },
        Ok(v4) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

/// The client's address (`unknown` when served without a socket, as in tests): the socket's
/// peer, or behind a trusted reverse proxy the address it forwarded (see [`TrustedProxies`]).
/// Rate limits key it with [`limit_key`].
pub struct ClientAddr(pub String);

impl<S> FromRequestParts<S> for ClientAddr
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let trusted = TrustedProxies::from_ref(state);
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| trusted.client(addr.ip(), &parts.headers).to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(Self(addr))
    }
}

/// Where a request comes from, for the audit log: the client's address and the browser's name
/// for itself, shortened to its first product (`Mozilla/5.0`, `Firefox/133.0`…), printable ASCII.
pub struct Origin {
    pub client: String,
    pub device: Option<String>,
}

impl<S> FromRequestParts<S> for Origin
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ClientAddr(client) = ClientAddr::from_request_parts(parts, state).await?;
        let device = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| {
                agent
                    .chars()
                    .filter(|c| c.is_ascii_graphic() || *c == ' ')
                    .take(120)
                    .collect::<String>()
            })
            .filter(|agent| !agent.is_empty());
        Ok(Self { client, device })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(networks: &[&str], header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies::new(networks.iter().map(|n| parse_network(n).unwrap()).collect(), header)
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_of_a_peer_that_is_not_trusted_is_ignored() {
        let trusted = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let forged = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(trusted.client(ip("198.51.100.7"), &forged), ip("198.51.100.7"));
        // No proxy configured: nobody's header counts.
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("10.0.0.2"), &forged), ip("10.0.0.2"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.1"], ForwardedHeader::XForwardedFor);
        // The client forged a first entry; the proxies appended the real one, then themselves.
        let chain = headers("x-forwarded-for", &["203.0.113.9, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(trusted.client(ip("192.0.2.1"), &chain), ip("198.51.100.7"));
        // Only proxies: the left-most.
        let inside = headers("x-forwarded-for", &["10.9.9.9, 10.1.2.3"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &inside), ip("10.9.9.9"));
        // Garbage stops the walk at the proxy that passed it on.
        let garbage = headers("x-forwarded-for", &["198.51.100.7, not-an-address"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &garbage), ip("10.0.0.1"));
        // An IPv4 peer seen as IPv6 (dual-stack socket) is the same peer.
        assert_eq!(trusted.client(ip("::ffff:10.0.0.1"), &chain), ip("198.51.100.7"));
    }

    #[test]
    fn rfc_7239_forwarded_is_read_when_configured_and_only_then() {
        let forwarded = headers(
            "forwarded",
            &[
                "for=203.0.113.9;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
                "for=\"10.1.2.3:80\"",
            ],
        );
        let trusted = proxies(&["10.0.0.0/8"], ForwardedHeader::Forwarded);
        assert_eq!(trusted.client(ip("10.0.0.1"), &forwarded), ip("2001:db8:cafe::17"));
        let by_xff = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(by_xff.client(ip("10.0.0.1"), &forwarded), ip("10.0.0.1"));
        let obfuscated = headers("forwarded", &["for=_hidden"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &obfuscated), ip("10.0.0.1"));
    }

    #[test]
    fn ipv6_neighbours_share_one_limit_and_ipv4_clients_do_not() {
        assert_eq!(limit_key("2001:db8:1:2:aaaa::1"), limit_key("2001:db8:1:2:bbbb::9"));
        assert_ne!(limit_key("2001:db8:1:2::1"), limit_key("2001:db8:1:3::1"));
        assert_eq!(limit_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(limit_key("198.51.100.7"), limit_key("198.51.100.8"));
        assert_eq!(limit_key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(limit_key("unknown"), "unknown");
    }
}
