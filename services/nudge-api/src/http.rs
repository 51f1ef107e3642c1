//! What every request goes through: the JSON body reader (size limit, field
//! named on error), the bearer-token check (with session revocation read
//! through the cache from the database) and the rate limits (counters in the
//! cache, shared by every replica).

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, web};
use nudge_cache::{Admission, Admitted};
use nudge_config::{ClientAddressHeader, TrustedProxies};
use serde::de::DeserializeOwned;
use sha2::Digest as _;

use crate::error::{ApiError, ApiResult, default_error};
use crate::state::State;
use crate::tokens::unix_now;

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// A request body that checks itself after parsing; errors name the field.
pub(crate) trait Validate {
    fn validate(&mut self) -> ApiResult<()>;
}

/// A JSON request body: `application/json`, at most `api.max_body_bytes`,
/// unknown fields refused, every error naming the field.
pub(crate) struct Body<T>(pub(crate) T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                let mut error = ApiError::invalid("content-type: must be application/json");
                error.status = Some(415);
                return Err(error);
            }
            let bytes = bytes.await.map_err(default_error)?;
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(ApiError::field("body", "must be a JSON object"));
            }
            let mut value = parse_json::<T>(&bytes)?;
            value.validate()?;
            Ok(Body(value))
        })
    }
}

/// Parses `bytes` as a `T`, naming the field at fault without echoing its value.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if !inner.is_data() {
            return ApiError::invalid(format!(
                "body: not valid JSON (line {}, column {})",
                inner.line(),
                inner.column()
            ));
        }
        let text = inner.to_string();
        let prefix = |field: &str| {
            if path == "." || path.is_empty() {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            }
        };
        let named = |marker: &str| {
            text.split_once(marker)
                .and_then(|(_, rest)| rest.split('`').next())
                .map(str::to_owned)
        };
        if let Some(field) = named("missing field `") {
            ApiError::field(&prefix(&field), "is required")
        } else if let Some(field) = named("unknown field `") {
            ApiError::field(&prefix(&field), "is not a known field")
        } else {
            let at = if path == "." || path.is_empty() {
                "body".to_owned()
            } else {
                path
            };
            let problem = if text.starts_with("invalid type") {
                let expected = text
                    .rsplit_once(", expected ")
                    .map(|(_, e)| e)
                    .unwrap_or("another type");
                format!(
                    "has the wrong type (expected {})",
                    expected.split(" at line").next().unwrap_or(expected)
                )
            } else if text.starts_with("invalid length") {
                "has the wrong length".to_owned()
            } else if text.starts_with("unknown variant") {
                let expected = text.rsplit_once("expected ").map(|(_, e)| e).unwrap_or("a known value");
                format!("must be {}", expected.split(" at line").next().unwrap_or(expected))
            } else {
                "is invalid".to_owned()
            };
            ApiError::field(&at, &problem)
        }
    })
}

/// The person a valid access token names, after the per-person rate limit.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub(crate) user_id: String,
    pub(crate) session_id: String,
    /// The session was opened with a second factor.
    pub(crate) mfa: bool,
    /// The account's stamp when the request came in (see `views`).
    pub(crate) account_stamp: String,
}

pub(crate) fn revoked_key(session_id: &str) -> String {
    format!("api:revoked:{session_id}")
}

/// Marks a session the database showed live; only a read-through copy.
fn live_key(session_id: &str) -> String {
    format!("api:live:{session_id}")
}

/// The database is the truth about revocation; the cache holds a copy of it
/// (`revoked_key`, `live_key`), filled from the database whenever it has
/// neither (a restarted process, a Redis without persistence). A session
/// that is revoked, gone (erased) or another person's is refused, and the
/// refusal is cached as a revocation.
async fn confirm_session(state: &State, session_id: &str, user_id: &str) -> ApiResult<()> {
    let mut conn = state.db.conn().await?;
    let session = crate::store::session(&mut conn, session_id).await?;
    drop(conn);
    // As long as an access token of the session can live, and a little more.
    let ttl = Duration::from_secs(state.keys.access_seconds + 10);
    match session {
        Some(session) if session.revoked_at.is_none() && session.user_id == user_id => {
            state.cache.set(&live_key(session_id), b"1", Some(ttl)).await?;
            Ok(())
        }
        _ => {
            state.cache.set(&revoked_key(session_id), b"1", Some(ttl)).await?;
            Err(ApiError::unauthenticated("authorization: this session was revoked"))
        }
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<State>>().cloned();
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|v| v.trim().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no state", "app data missing"))?;
            let token = token.ok_or_else(|| ApiError::unauthenticated("authorization: a bearer token is required"))?;
            let claims = state.keys.verify_access(&token).map_err(|error| {
                tracing::debug!(error = %error, "access token refused");
                ApiError::unauthenticated("authorization: invalid or expired token")
            })?;
            // Premium (and admin) people get the premium allowance.
            let per_minute = match claims.role.as_str() {
                "premium" | "admin" => state.settings.premium_per_minute,
                _ => state.settings.authenticated_per_minute,
            };
            // Revocation, the per-person counter and the account's stamp: one round trip.
            let now = unix_now();
            let admitted = state
                .cache
                .admit(&Admission {
                    refused_if_present: &revoked_key(&claims.sid),
                    counter: &rate_key("person", &claims.sub, now),
                    window: RATE_WINDOW,
                    stamp: &crate::views::stamp_key(&claims.sub),
                    stamp_ttl: crate::views::STAMP_TTL,
                    known_if_present: &live_key(&claims.sid),
                })
                .await?;
            let account_stamp = match admitted {
                Admitted::Refused => {
                    return Err(ApiError::unauthenticated("authorization: this session was revoked"));
                }
                Admitted::Counted { count, stamp, known } => {
                    check_count("person", count, per_minute, now)?;
                    if !known {
                        // On the main runtime, to its end: this future is
                        // dropped when another extractor of the request fails.
                        let (confirming, sid, sub) = (state.clone(), claims.sid.clone(), claims.sub.clone());
                        state
                            .runtime
                            .spawn(async move { confirm_session(&confirming, &sid, &sub).await })
                            .await
                            .map_err(|e| ApiError::internal("session check", e))??;
                    }
                    stamp
                }
            };
            Ok(Authenticated {
                user_id: claims.sub,
                session_id: claims.sid,
                mfa: claims.mfa,
                account_stamp,
            })
        })
    }
}

/// A request without a token, after the per-IP rate limit.
pub(crate) struct Anonymous {
    pub(crate) user_agent: Option<String>,
}

impl FromRequest for Anonymous {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<State>>().cloned();
        let ip = state.as_ref().map_or_else(String::new, |state| {
            client_address(
                req.peer_addr().map(|a| a.ip()),
                req.headers(),
                &state.settings.trusted_proxies,
                state.settings.client_address_header,
            )
            .map(|ip| ip.to_string())
            .unwrap_or_default()
        });
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(200).collect());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no state", "app data missing"))?;
            // The address only as a hash, even in a key that lives a minute.
            let ip_hash = crate::tokens::hex(&sha2::Sha256::digest(ip.as_bytes())[..12]);
            limit(&state, "ip", &ip_hash, state.settings.anonymous_per_minute).await?;
            Ok(Anonymous { user_agent })
        })
    }
}

/// The client's address, for the limits without a token: the peer, unless
/// the peer is one of `trusted` proxies; then, walking the proxies' header
/// (`X-Forwarded-For` or RFC 7239 `Forwarded`) from the right, the first
/// address that is not a trusted proxy. A client can write what it likes at
/// the left of the header, but only the entries its trusted proxies appended
/// are read, so it cannot choose its bucket. An entry that is not an address
/// (`unknown`, an obfuscated name, garbage) stops the walk at the last
/// trusted hop.
pub(crate) fn client_address(
    peer: Option<IpAddr>,
    headers: &actix_web::http::header::HeaderMap,
    trusted: &TrustedProxies,
    header: ClientAddressHeader,
) -> Option<IpAddr> {
    let mut client = peer?.to_canonical();
    if trusted.is_empty() || !trusted.contains(client) {
        return Some(client);
    }
    let name = match header {
        ClientAddressHeader::XForwardedFor => "x-forwarded-for",
        ClientAddressHeader::Forwarded => "forwarded",
    };
    // Every field line of the header, in order, is one list.
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            return Some(client);
        };
        hops.extend(value.split(','));
    }
    for hop in hops.iter().rev() {
        let address = match header {
            ClientAddressHeader::XForwardedFor => forwarded_node(hop.trim()),
            ClientAddressHeader::Forwarded => forwarded_for(hop),
        };
        let Some(address) = address else {
            return Some(client);
        };
        client = address.to_canonical();
        if !trusted.contains(client) {
            return Some(client);
        }
    }
    Some(client)
}

/// The `for=` node of one RFC 7239 `Forwarded` element (`for=192.0.2.60;proto=https`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| forwarded_node(value.trim()))?
    })
}

/// An address as proxies write it: `192.0.2.60`, `192.0.2.60:4711`,
/// `2001:db8::1`, `[2001:db8::1]:4711`, optionally in double quotes.
fn forwarded_node(node: &str) -> Option<IpAddr> {
    let node = node.strip_prefix('"').and_then(|n| n.strip_suffix('"')).unwrap_or(node);
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse().ok().or_else(|| {
        // IPv4 with a port.
        let (address, port) = node.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        address.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

/// How long a rate-limit counter lives: its minute, and a second more.
const RATE_WINDOW: Duration = Duration::from_secs(61);

fn rate_key(scope: &str, id: &str, now: u64) -> String {
    format!("api:rate:{scope}:{id}:{}", now / 60)
}

/// A fixed one-minute window per `scope` and `id`, counted in the cache.
pub(crate) async fn limit(state: &State, scope: &str, id: &str, per_minute: u32) -> ApiResult<()> {
    let now = unix_now();
    let count = state.cache.increment(&rate_key(scope, id, now), RATE_WINDOW).await?;
    check_count(scope, count, per_minute, now)
}

/// Refuses the request if `count` is past the allowance of the minute.
fn check_count(scope: &str, count: i64, per_minute: u32, now: u64) -> ApiResult<()> {
    if count > i64::from(per_minute) {
        metrics::counter!("nudge_api_rate_limited_total", "scope" => scope.to_owned()).increment(1);
        return Err(ApiError::too_many(
            format!("too many requests: at most {per_minute} a minute"),
            60 - now % 60,
        ));
    }
    Ok(())
}

/// Reads the query string strictly: unknown parameters are refused by name.
pub(crate) fn query<T: DeserializeOwned>(req: &HttpRequest) -> ApiResult<T> {
    serde_urlencoded::from_str::<T>(req.query_string()).map_err(|e| {
        let text = e.to_string();
        match text
            .split_once("unknown field `")
            .and_then(|(_, r)| r.split('`').next())
        {
            Some(field) => ApiError::field(field, "is not a known parameter"),
            None => ApiError::invalid("query: invalid parameters"),
        }
    })
}

// The answer `{"status": "..."}` of a request taken in (a doc comment would
// enter the OpenAPI document).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Status {
    status: String,
}

/// A response that carries tokens: never stored by a browser or a proxy
/// (RFC 6749 5.1).
pub(crate) fn no_store(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::PRAGMA, "no-cache"));
    response
}

/// An id in a path: anything but a UUID cannot name an object, so it is not found.
pub(crate) fn object_id(path: web::Path<String>, what: &str) -> ApiResult<String> {
    let id = path.into_inner();
    if uuid::Uuid::parse_str(&id).is_ok() {
        Ok(id)
    } else {
        Err(ApiError::not_found(what))
    }
}

/// The key under which the owning service stores what a POST created: the
/// client's `Idempotency-Key` scoped to the person (`api:<user id>:<key>`),
/// so two people sending the same key never meet (neither fails nor learns
/// that the other holds it), and the same person's retry finds their own
/// first answer. Without the header, a fresh key: nothing is deduplicated.
pub(crate) fn idempotency_key(req: &HttpRequest, user_id: &str) -> ApiResult<String> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(format!("api:{user_id}:{}", uuid::Uuid::new_v4())),
        Some(value) => {
            let key = value
                .to_str()
                .ok()
                .filter(|k| {
                    (1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
                })
                .ok_or_else(|| ApiError::field("Idempotency-Key", "must be 1 to 100 visible ASCII characters"))?;
            Ok(format!("api:{user_id}:{key}"))
        }
    }
}

/// The longest `Idempotency-Key` a client may send (the stored key adds the
/// person's id, and the owning services take up to 200 characters).
pub(crate) const MAX_IDEMPOTENCY_KEY_CHARS: usize = 100;

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    use super::*;

    /// The client `client_address` finds for `peer` and these header lines.
    #[track_caller]
    fn check(trusted: &[&str], kind: ClientAddressHeader, peer: &str, lines: &[&str], expected: &str) {
        let trusted = TrustedProxies::new(trusted).expect("proxies");
        let name = match kind {
            ClientAddressHeader::XForwardedFor => "x-forwarded-for",
            ClientAddressHeader::Forwarded => "forwarded",
        };
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(line).expect("header"),
            );
        }
        let found = client_address(Some(peer.parse().expect("peer")), &headers, &trusted, kind).expect("an address");
        assert_eq!(found.to_string(), expected, "{peer} {lines:?}");
    }

    /// Issue 13, finding 6: behind a trusted proxy, the client is the
    /// right-most address the trusted proxies did not write; nobody else's
    /// header is believed.
    #[test]
    fn anonymous_limits_key_on_the_client_behind_trusted_proxies() {
        use ClientAddressHeader::{Forwarded, XForwardedFor};
        let proxies = ["10.0.0.0/8", "fd00::/8"];
        // Off by default: the peer, whatever the headers say.
        check(&[], XForwardedFor, "10.0.0.5", &["203.0.113.9"], "10.0.0.5");
        // A peer that is not a trusted proxy is the client, headers ignored.
        check(
            &proxies,
            XForwardedFor,
            "198.51.100.4",
            &["203.0.113.9"],
            "198.51.100.4",
        );
        // Behind one trusted proxy.
        check(&proxies, XForwardedFor, "10.0.0.5", &["203.0.113.9"], "203.0.113.9");
        // The client wrote a left part; only what the proxies appended counts.
        check(
            &proxies,
            XForwardedFor,
            "10.0.0.5",
            &["1.2.3.4, 203.0.113.9"],
            "203.0.113.9",
        );
        check(
            &proxies,
            XForwardedFor,
            "10.0.0.5",
            &["1.2.3.4, 203.0.113.9, 10.1.1.1"],
            "203.0.113.9",
        );
        // Several field lines are one list.
        check(
            &proxies,
            XForwardedFor,
            "10.0.0.5",
            &["1.2.3.4", "203.0.113.9, 10.1.1.1"],
            "203.0.113.9",
        );
        // IPv6, ports, mapped addresses.
        check(&proxies, XForwardedFor, "fd00::7", &["2001:db8::1"], "2001:db8::1");
        check(
            &proxies,
            XForwardedFor,
            "::ffff:10.0.0.5",
            &["203.0.113.9:4711"],
            "203.0.113.9",
        );
        check(
            &proxies,
            XForwardedFor,
            "10.0.0.5",
            &["[2001:db8::1]:4711"],
            "2001:db8::1",
        );
        // Nothing believable: the last trusted hop.
        check(&proxies, XForwardedFor, "10.0.0.5", &[], "10.0.0.5");
        check(&proxies, XForwardedFor, "10.0.0.5", &["1.2.3.4, garbage"], "10.0.0.5");
        check(&proxies, XForwardedFor, "10.0.0.5", &["10.2.2.2"], "10.2.2.2");
        // The other header is not read.
        check(&proxies, Forwarded, "10.0.0.5", &[], "10.0.0.5");
        // RFC 7239.
        check(
            &proxies,
            Forwarded,
            "10.0.0.5",
            &["for=203.0.113.9;proto=https"],
            "203.0.113.9",
        );
        check(
            &proxies,
            Forwarded,
            "10.0.0.5",
            &["for=1.2.3.4, For=\"203.0.113.9:80\";by=10.0.0.5"],
            "203.0.113.9",
        );
        check(
            &proxies,
            Forwarded,
            "10.0.0.5",
            &["for=\"[2001:db8:cafe::17]:4711\""],
            "2001:db8:cafe::17",
        );
        check(
            &proxies,
            Forwarded,
            "10.0.0.5",
            &["for=1.2.3.4", "for=203.0.113.9, for=10.3.3.3"],
            "203.0.113.9",
        );
        check(&proxies, Forwarded, "10.0.0.5", &["for=unknown"], "10.0.0.5");
        check(
            &proxies,
            Forwarded,
            "10.0.0.5",
            &["for=_hidden, for=10.3.3.3"],
            "10.3.3.3",
        );
        check(&proxies, Forwarded, "10.0.0.5", &["proto=https"], "10.0.0.5");
    }
}
