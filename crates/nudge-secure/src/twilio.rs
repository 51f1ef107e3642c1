//! Checking that a webhook request really comes from Twilio.
//!
//! Twilio signs every webhook with the `X-Twilio-Signature` header
//! (<https://www.twilio.com/docs/usage/webhooks/webhooks-security>):
//! base64 of HMAC-SHA1, keyed with the account's auth token, over
//!
//! - for `application/x-www-form-urlencoded` requests: the full URL
//!   (including its query string) followed by every POST parameter as
//!   `name` + `value`, no separators, sorted by name ([`validate_form`]);
//! - for JSON requests: the URL alone. That URL carries a `bodySHA256` query
//!   parameter, the hex SHA-256 of the raw body, which must match too
//!   ([`validate_json`]).
//!
//! This follows Twilio's own `RequestValidator`s (twilio-python, -node,
//! -java, -ruby, -go) and is tested against their vectors:
//!
//! - Repeated parameters: the values of a name are sorted, and identical
//!   `(name, value)` pairs count once (as twilio-python and twilio-node do).
//! - Ports: the signature is accepted for the URL as given or for the same
//!   URL with its port "toggled", because Twilio is not consistent about it:
//!   with an explicit port (any port, as all the SDKs do) it is also tried
//!   without one; without a port, it is also tried with the scheme's default
//!   (`:443` for https, `:80` otherwise).
//!
//! # Which URL
//!
//! The URL must be the **public URL Twilio requested**, exactly as configured
//! on the Twilio number or messaging service: scheme, host, path and query
//! string, byte for byte (no decoding or re-encoding of the query; see
//! <https://www.twilio.com/docs/api/errors/57012>). Nudge runs
//! behind TLS-terminating proxies, so the URL the service sees (`http://`,
//! an internal host or port, a stripped path prefix) is *not* it: the caller
//! must build it from configuration (the public base URL) plus the request's
//! path and query.
//!
//! # Which parameters
//!
//! Pass **every** form parameter received, decoded (`%2B1415…` becomes
//! `+1415…`), including ones Nudge does not use: Twilio adds parameters over
//! time and signs them all. Filtering to known fields breaks validation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The expected `X-Twilio-Signature` of a form-encoded request to `url` with
/// `params` (in any order), as Twilio computes it.
pub fn compute_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    sign(auth_token, url, &canonical(params))
}

/// Whether `signature` (the `X-Twilio-Signature` header) is Twilio's for a
/// form-encoded request to `url` with `params`: all of them, as decoded from
/// the body, in any order, repeats included. Compares in constant time and
/// accepts the port variants described in the [module docs](self).
pub fn validate_form(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    signature_matches(auth_token, url, &canonical(params), signature).into()
}

/// Whether `signature` is Twilio's for a JSON request to `url` with the raw
/// `body`: the signature must cover `url` (with no parameters) and the
/// `bodySHA256` query parameter of `url` must be the hex SHA-256 of `body`.
/// A `url` without `bodySHA256` is rejected. Compares in constant time and
/// accepts the port variants described in the [module docs](self).
pub fn validate_json(auth_token: &str, url: &str, body: &[u8], signature: &str) -> bool {
    let Some(expected_hash) = query_param(url, "bodySHA256") else {
        return false;
    };
    let body_hash: String = Sha256::digest(body).iter().map(|byte| format!("{byte:02x}")).collect();
    let body_ok = body_hash.as_bytes().ct_eq(expected_hash.as_bytes());
    (body_ok & signature_matches(auth_token, url, &[], signature)).into()
}

/// Parameters sorted by name then value, exact duplicates removed.
fn canonical(params: &[(String, String)]) -> Vec<(&str, &str)> {
    let mut sorted: Vec<_> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

fn sign(auth_token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in params {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

fn signature_matches(auth_token: &str, url: &str, params: &[(&str, &str)], signature: &str) -> Choice {
    let matches = |url: &str| sign(auth_token, url, params).as_bytes().ct_eq(signature.as_bytes());
    let toggled = toggle_port(url).map_or(Choice::from(0), |url| matches(&url));
    matches(url) | toggled
}

/// `url` without its port if it has one, else with the scheme's default port;
/// `None` if `url` has no `scheme://authority` to work on.
fn toggle_port(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    // Any user info ends at the last '@'; the port follows the host (which
    // may be a bracketed IPv6 literal full of ':').
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let (user_info, host_port) = authority.split_at(host_start);
    let port_colon = host_port.rfind(':').filter(|&colon| !host_port[colon..].contains(']'));
    match port_colon {
        Some(colon) if host_port[colon + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("{scheme}://{user_info}{}{tail}", &host_port[..colon]))
        }
        Some(_) => None,
        None => {
            let port = if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
            Some(format!("{scheme}://{user_info}{host_port}:{port}{tail}"))
        }
    }
}

/// The first value of query parameter `name` in `url`, as written (not
/// percent-decoded: a hex hash never needs encoding).
fn query_param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = url.split_once('?')?;
    let query = query.split_once('#').map_or(query, |(query, _fragment)| query);
    query
        .split('&')
        .find_map(|pair| pair.split_once('=').filter(|(key, _)| *key == name))
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Most vectors come from the test suites of Twilio's SDKs, fetched at:
    // - twilio/twilio-python 306691e7, tests/unit/test_request_validator.py
    // - twilio/twilio-node 45d3d65a, spec/validation.spec.js and spec/unit/webhooks/webhooks.spec.js
    // - twilio/twilio-java 179bd9c6, src/test/java/com/twilio/security/RequestValidatorTest.java
    // - twilio/twilio-ruby dd1cc09b, spec/security/request_validator_spec.rb
    // - twilio/twilio-go d858acdc, client/request_validator_test.go
    // All use auth token "12345" and this URL; python/node/java/ruby these parameters.
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    type Params = &'static [(&'static str, &'static str)];

    const PARAMS: Params = &[
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ];
    // python/node/java/ruby: the signature of URL with PARAMS.
    const SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    // go: its parameters, where "Reason" must sort before "ReasonConferenceEnded".
    const GO_PARAMS: Params = &[
        ("Digits", "1234"),
        ("CallSid", "CA1234567890ABCDE"),
        ("To", "+18005551212"),
        ("Caller", "+14158675309"),
        ("From", "+14158675309"),
        ("ReasonConferenceEnded", "test"),
        ("Reason", "Participant"),
    ];
    // python/node/java/ruby/go: the JSON body and its hex SHA-256.
    const BODY: &[u8] = br#"{"property": "value", "boolean": true}"#;
    const BODY_HASH: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

    fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
        params
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn twilio_docs_example() {
        // Twilio's documentation code sample "Validate Signature of Request"
        // (TwilioDevEd/api-snippets, the repository of the samples on twilio.com/docs),
        // commit cbd07494, security/signature_validation/signature_validation.5.x.php.
        // Later revisions of that sample keep these parameters but show the SDK tests'
        // signature (RSOYDt…, which is for Caller/From +14158675309), so they don't match.
        let params = owned(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]);
        let expected = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
        assert_eq!(compute_signature(TOKEN, URL, &params), expected);
        assert!(validate_form(TOKEN, URL, &params, expected));
    }

    #[test]
    fn sdk_vectors() {
        let cases: &[(&str, Params, &str)] = &[
            // python test_compute_signature, node "should succeed with the correct signature",
            // java testValidate, ruby "should build a correct signature".
            (URL, PARAMS, SIGNATURE),
            // java testValidateWithEmptyParams
            (URL, &[], "zYQTYrRWXE7LtzbG4PfP7/bkkGo="),
            // java testValidateWithNoQueryParams
            (
                "https://mycompany.com/myapp.php",
                PARAMS,
                "1xaxFBvyzXYvWplzNOSs28HWO94=",
            ),
            // java testValidateIgnoresNonTwilioQueryParams
            (
                "https://mycompany.com/myapp.php?foo=1&bar=2&type=thiswontbeusedinthesignaturegeneratorandsoshouldbeignored",
                PARAMS,
                "hYkNsTBttoNGkyCS0p+wWmQoRTg=",
            ),
            // java testValidateWithUrlEncodedQueryParams: the query is signed as written.
            (
                "https://mycompany.com/myapp.php?foo=hello%20world&bar=test%2Bvalue",
                PARAMS,
                "er2tvAP1Wx+iuTTE2BPgvEaN1cs=",
            ),
            // node "should validate urls with special characters": the signature is over the
            // quote percent-encoded (twilio-node normalises `It's` to this before signing).
            (
                "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It%27s+amazing",
                PARAMS,
                "TfZzewPq8wqrGlMfyAud8+/IvJ0=",
            ),
            // java testValidateWithInternationalCharactersInUrl
            (
                "https://mycompany.com/webhook/España?año=2023",
                PARAMS,
                "G/Hx6mqqnjUNlPAoi2Sp9bGst0g=",
            ),
            // java testValidateWithSpecialCharactersInParams
            (
                URL,
                &[
                    ("Message", "Hello & goodbye! @#$%^*()"),
                    ("From", "+1 (415) 867-5309"),
                    ("Special", "unicode: ñáéíóú"),
                ],
                "dCPiR4WtQ6QFN6pJh81CtlCcWLQ=",
            ),
            // java testValidateWithEmptyParameterValues
            (
                URL,
                &[("Digits", ""), ("CallSid", "CA1234567890ABCDE"), ("EmptyParam", "")],
                "9HHp/OqQMEwdrVebHDdA/+tqjX8=",
            ),
            // java testValidateParameterKeySorting
            (
                URL,
                &[
                    ("Zebra", "last"),
                    ("Alpha", "first"),
                    ("Beta", "second"),
                    ("Gamma", "third"),
                ],
                "enveUe73ZTVLAekHxez3Qx6JuuQ=",
            ),
            // java testValidateWithCaseSensitiveParameterKeys (byte order: CALLSID, CallSid, callSid)
            (
                URL,
                &[
                    ("callSid", "lowercase"),
                    ("CallSid", "uppercase"),
                    ("CALLSID", "allcaps"),
                ],
                "jDK7WKT8wiNrwggd4ceTv4e1MJ4=",
            ),
            // go "returns true when validation succeeds"
            (URL, GO_PARAMS, "vOEb5UThFn24KEfnOFLQY2AE5FY="),
            // go "returns true when validation succeeds with form body" (property=value&boolean=true)
            (
                URL,
                &[("property", "value"), ("boolean", "true")],
                "NBdBDr/T/lgjI+tlgpXjKZQZs/k=",
            ),
        ];
        for &(url, params, expected) in cases {
            assert_eq!(
                compute_signature(TOKEN, url, &owned(params)),
                expected,
                "{url} {params:?}"
            );
            assert!(validate_form(TOKEN, url, &owned(params), expected), "{url} {params:?}");
        }
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut reversed = owned(PARAMS);
        reversed.reverse();
        assert!(validate_form(TOKEN, URL, &reversed, SIGNATURE));
    }

    #[test]
    fn repeated_params() {
        // python test_compute_signature_duplicate_multi_dict / _query_dict and node
        // "should validate request body with multiple params and values": values of a
        // name are sorted and exact duplicates count once.
        let expected = "IK+Dwps556ElfBT0I3Rgjkr1wJU=";
        let params = owned(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(compute_signature(TOKEN, URL, &params), expected);
        assert!(validate_form(TOKEN, URL, &params, expected));

        // node "should validate request body with an array parameter [regardless of the
        // position of values in the array]"
        let expected = "83O6e2vORAoJHUNzJjDWN1jz+BA=";
        for values in [["+1325xxxxxxx", "+1415xxxxxxx"], ["+1415xxxxxxx", "+1325xxxxxxx"]] {
            let params = owned(&values.map(|value| ("MessagingBinding.Address", value)));
            assert!(validate_form(TOKEN, URL, &params, expected));
        }
        let one_value = owned(&[("MessagingBinding.Address", "+1325xxxxxxx")]);
        assert!(!validate_form(TOKEN, URL, &one_value, expected));
    }

    #[test]
    fn port_variants() {
        let cases: &[(&str, Params, &str)] = &[
            // python/java/ruby/node/go "removes port": signed without it, requested on :1234.
            ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", PARAMS, SIGNATURE),
            // python/java/ruby/node: signed over the http URL with :1234 kept.
            (
                "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
                PARAMS,
                "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
            ),
            // go: signed over the http URL without port, requested on :1234 and without.
            (
                "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
                GO_PARAMS,
                "n2xBNyzSW7rfYStDtOFiFMv7qNo=",
            ),
            (
                "http://mycompany.com/myapp.php?foo=1&bar=2",
                GO_PARAMS,
                "n2xBNyzSW7rfYStDtOFiFMv7qNo=",
            ),
            // python/java/ruby/node "adds port": signed with :443, requested without a port.
            (URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w="),
            // ... and with :80 for http.
            (
                "http://mycompany.com/myapp.php?foo=1&bar=2",
                PARAMS,
                "0ZXoZLH/DfblKGATFgpif+LLRf4=",
            ),
            // node webhooks.spec "derived from an URL without port, target url contains the
            // port": requested with :443, signed without it.
            ("https://mycompany.com:443/myapp.php?foo=1&bar=2", PARAMS, SIGNATURE),
            // java testValidateWithMalformedUrlStillWorks
            (
                "https://mycompany.com:443//myapp.php?foo=1&bar=2",
                PARAMS,
                "A9lH3u16NjyiiM/+wylw5rirFUs=",
            ),
            // The port goes after the user info: node "should validate urls with credentials"
            // (signed without port) and ruby (with :443); likewise for "just username".
            (
                "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
                PARAMS,
                "CukzLTc1tT5dXEDIHm/tKBanW10=",
            ),
            (
                "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
                PARAMS,
                "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=",
            ),
            (
                "https://user@mycompany.com/myapp.php?foo=1&bar=2",
                PARAMS,
                "2YRLlVAflCqxaNicjMpJcSTgzSs=",
            ),
            (
                "https://user@mycompany.com/myapp.php?foo=1&bar=2",
                PARAMS,
                "aZfj4hyX1MLZhSS6QIL18Vn2/RA=",
            ),
        ];
        for &(url, params, signature) in cases {
            assert!(
                validate_form(TOKEN, url, &owned(params), signature),
                "{url} {signature}"
            );
        }

        // Only a default port is ever added: a signature made on :8443 is not valid for the
        // URL without a port.
        let params = owned(PARAMS);
        let url = "https://mycompany.com:8443/myapp.php?foo=1&bar=2";
        let signed_on_8443 = compute_signature(TOKEN, url, &params);
        assert!(validate_form(TOKEN, url, &params, &signed_on_8443));
        assert!(!validate_form(TOKEN, URL, &params, &signed_on_8443));
    }

    #[test]
    fn toggle_port_cases() {
        let cases = [
            ("https://h.com/p", Some("https://h.com:443/p")),
            ("HTTPS://h.com", Some("HTTPS://h.com:443")),
            ("http://h.com?q=1", Some("http://h.com:80?q=1")),
            ("https://h.com:443/p?a=b:c", Some("https://h.com/p?a=b:c")),
            ("https://u:p@h.com:8080/p", Some("https://u:p@h.com/p")),
            ("https://[::1]/p", Some("https://[::1]:443/p")),
            ("https://[::1]:8443/p", Some("https://[::1]/p")),
            ("https://h.com:x/p", None),
            ("not a url", None),
        ];
        for (url, toggled) in cases {
            assert_eq!(toggle_port(url).as_deref(), toggled, "{url}");
        }
    }

    #[test]
    fn rejections() {
        let params = owned(PARAMS);
        // Wrong token.
        assert!(!validate_form("54321", URL, &params, SIGNATURE));
        // Wrong or empty signature: node "should fail when given the wrong signature",
        // java testFailsWhenIncorrect / testValidateFailsWithEmptySignature.
        for signature in ["WRONG_SIGNATURE", "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=", ""] {
            assert!(!validate_form(TOKEN, URL, &params, signature), "{signature}");
        }
        // go "return false when params are sorted incorrectly".
        assert!(!validate_form(
            TOKEN,
            URL,
            &owned(GO_PARAMS),
            "95+Bu0JVPi0r/SsESZCVf0dWAjw="
        ));
        // Tampered parameter.
        let mut tampered = params.clone();
        tampered[2].1 = "9999".into();
        assert!(!validate_form(TOKEN, URL, &tampered, SIGNATURE));
        // Missing parameter.
        assert!(!validate_form(TOKEN, URL, &params[1..], SIGNATURE));
        // Extra parameter: Twilio signs everything it sends, so an unsigned one is foreign.
        let mut extra = params.clone();
        extra.push(("Body".into(), "STOP".into()));
        assert!(!validate_form(TOKEN, URL, &extra, SIGNATURE));
        // Another URL: node middleware "&somethingUnexpected=true", node webhooks.spec
        // "signature URL does not match the target URL", another path or scheme.
        for url in [
            "https://mycompany.com/myapp.php?foo=1&bar=2&somethingUnexpected=true",
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            "https://mycompany.com/other.php?foo=1&bar=2",
            "http://mycompany.com/myapp.php?foo=1&bar=2",
        ] {
            assert!(!validate_form(TOKEN, url, &params, SIGNATURE), "{url}");
        }
    }

    #[test]
    fn form_body_as_received() {
        // What a handler does: decode the raw body and pass every pair on.
        let body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234\
                    &From=%2B14158675309&To=%2B18005551212";
        let params: Vec<(String, String)> = serde_urlencoded::from_str(body).expect("form body");
        assert!(validate_form(TOKEN, URL, &params, SIGNATURE));
    }

    #[test]
    fn json_body() {
        // python test_validation_of_body_succeeds, node "should validate request body when
        // given", java testValidateWithBody, ruby "should validate requests with body
        // correctly", go "returns true when validation succeeds with json body".
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        assert!(validate_json(TOKEN, &url, BODY, "a9nBmqA0ju/hNViExpshrM61xv4="));
        // node/java/ruby/go "with only sha param" / "no other parameters".
        let url = format!("https://mycompany.com/myapp.php?bodySHA256={BODY_HASH}");
        assert!(validate_json(TOKEN, &url, BODY, "y77kIzt2vzLz71DgmJGsen2scGs="));
        // node "should validate request body when empty": that signature is over the URL
        // with :443 added, so this also exercises the port variants.
        let empty_hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        let url = format!("{URL}&bodySHA256={empty_hash}");
        assert!(validate_json(TOKEN, &url, b"{}", "Ldidvp12m26NI7eqEvxnEpkd9Hc="));
    }

    #[test]
    fn json_body_rejections() {
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        let signature = "a9nBmqA0ju/hNViExpshrM61xv4=";
        // Body altered after signing: the hash in the URL no longer matches.
        let altered = br#"{"property": "value", "boolean": false}"#;
        assert!(!validate_json(TOKEN, &url, altered, signature));
        // The hash in the URL changed to match a forged body: the signature covers the URL.
        let forged = br#"{"forged": true}"#;
        let forged_hash: String = Sha256::digest(forged)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let forged_url = format!("{URL}&bodySHA256={forged_hash}");
        assert!(!validate_json(TOKEN, &forged_url, forged, signature));
        // Wrong token, wrong signature.
        assert!(!validate_json("54321", &url, BODY, signature));
        assert!(!validate_json(TOKEN, &url, BODY, SIGNATURE));
        // No bodySHA256 in the URL: python/java/ruby "fail validation with body but no
        // signature" / "... no query parameters", go "returns false when validation fails
        // with json body".
        assert!(!validate_json(TOKEN, URL, BODY, SIGNATURE));
        assert!(!validate_json(
            TOKEN,
            "https://mycompany.com/myapp.php",
            BODY,
            SIGNATURE
        ));
    }

    #[test]
    fn query_param_cases() {
        let name = "bodySHA256";
        assert_eq!(query_param("https://h/p?a=1&bodySHA256=ab#frag", name), Some("ab"));
        assert_eq!(query_param("https://h/p?bodySHA256=ab&bodySHA256=cd", name), Some("ab"));
        assert_eq!(query_param("https://h/p?xbodySHA256=ab", name), None);
        assert_eq!(query_param("https://h/p#bodySHA256=ab", name), None);
        assert_eq!(query_param("https://h/p", name), None);
    }
}
