//! Strict readers of webhook bodies.
//!
//! `application/x-www-form-urlencoded` (what Twilio sends for SMS): lenient
//! decoders replace bad bytes and keep broken escapes, so a mangled body
//! would reach the signature check (and the person's conversation) altered.
//! Here a body is refused unless it is ASCII, every `%` starts a two-digit
//! hex escape, and the decoded bytes are UTF-8.
//!
//! `application/json` (signed through `bodySHA256`): one object; its members
//! become parameters, in order, repeats kept (so a repeated required
//! parameter is refused like in a form), strings as they are, other values
//! as their JSON text, an array as one parameter per element.

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FormError {
    #[error("the body is not ASCII form encoding")]
    NotAscii,
    #[error("parameter {0}: broken percent-escape")]
    BadEscape(usize),
    #[error("parameter {0}: not valid UTF-8 once decoded")]
    NotUtf8(usize),
    /// Where the body stops being a JSON object; never its content.
    #[error("the body is not a JSON object (line {line}, column {column})")]
    NotJsonObject { line: usize, column: usize },
}

/// The body's name/value pairs, in order, repeats kept.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    if !body.is_ascii() {
        return Err(FormError::NotAscii);
    }
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .enumerate()
        .map(|(index, pair)| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode(name, index + 1)?, decode(value, index + 1)?))
        })
        .collect()
}

/// The members of a JSON object body as parameters.
pub(crate) fn parse_json(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    // serde_json's message quotes the value it did not expect (`invalid
    // type: string "..."`): only its position is kept.
    let members: Members = serde_json::from_slice(body).map_err(|e| FormError::NotJsonObject {
        line: e.line(),
        column: e.column(),
    })?;
    let mut params = Vec::with_capacity(members.0.len());
    for (name, value) in members.0 {
        match value {
            serde_json::Value::Array(items) => {
                params.extend(items.into_iter().map(|item| (name.clone(), json_text(item))));
            }
            other => params.push((name, json_text(other))),
        }
    }
    Ok(params)
}

fn json_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An object's members in order, repeats kept (serde_json's maps keep only the last).
struct Members(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

fn decode(encoded: &[u8], index: usize) -> Result<String, FormError> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some((&byte, tail)) = rest.split_first() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = tail.get(..2).ok_or(FormError::BadEscape(index))?;
                let text = std::str::from_utf8(hex).map_err(|_| FormError::BadEscape(index))?;
                bytes.push(u8::from_str_radix(text, 16).map_err(|_| FormError::BadEscape(index))?);
                rest = &tail[2..];
                continue;
            }
            other => bytes.push(other),
        }
        rest = tail;
    }
    String::from_utf8(bytes).map_err(|_| FormError::NotUtf8(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn decodes_twilio_bodies() {
        assert_eq!(
            parse(b"Body=Rappelle-moi+dans+2+minutes+de+boire+de+l%27eau+%C3%A0+15h&From=%2B15145550100&Empty=&Flag"),
            Ok(pairs(&[
                ("Body", "Rappelle-moi dans 2 minutes de boire de l'eau à 15h"),
                ("From", "+15145550100"),
                ("Empty", ""),
                ("Flag", ""),
            ]))
        );
        assert_eq!(parse(b"A=1&A=2"), Ok(pairs(&[("A", "1"), ("A", "2")])));
        assert_eq!(parse(b""), Ok(vec![]));
    }

    #[test]
    fn refuses_what_is_not_a_clean_form() {
        assert_eq!(parse(b"Body=%ZZ"), Err(FormError::BadEscape(1)));
        assert_eq!(parse(b"From=1&Body=%4"), Err(FormError::BadEscape(2)));
        assert_eq!(parse(b"Body=%FF%FE"), Err(FormError::NotUtf8(1)));
        assert_eq!(parse("Body=é".as_bytes()), Err(FormError::NotAscii));
    }

    #[test]
    fn reads_json_objects_keeping_repeats() {
        assert_eq!(
            parse_json(br#"{"Body":"Arr\u00eat","NumSegments":1,"Flag":true,"None":null,"Media":["a","b"]}"#),
            Ok(pairs(&[
                ("Body", "Arrêt"),
                ("NumSegments", "1"),
                ("Flag", "true"),
                ("None", ""),
                ("Media", "a"),
                ("Media", "b"),
            ]))
        );
        assert_eq!(
            parse_json(br#"{"From":"+1","From":"+2"}"#),
            Ok(pairs(&[("From", "+1"), ("From", "+2")]))
        );
        for bad in [&b"[1,2]"[..], b"\"text\"", b"{", b"{\"Body\":\"\xff\"}", b""] {
            assert!(
                matches!(parse_json(bad), Err(FormError::NotJsonObject { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn webhook_errors_never_echo_the_body() {
        // Issue 13, finding 10: serde_json's own message quoted the string.
        for body in [
            &br#""my bank pin is 4321""#[..],
            br#"["my bank pin is 4321"]"#,
            br#"{"Body": "my bank pin is 4321""#,
            br#"{"Body" "my bank pin is 4321"}"#,
            b"my bank pin is 4321",
        ] {
            let message = parse_json(body).expect_err("not an object").to_string();
            assert!(!message.contains("4321") && !message.contains("pin"), "{message}");
            assert!(
                message.starts_with("the body is not a JSON object (line 1, column "),
                "{message}"
            );
        }
    }
}
