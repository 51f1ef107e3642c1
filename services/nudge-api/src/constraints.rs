//! The constraints the api enforces on what a request carries, stated once:
//! the validators use these constants, and the OpenAPI document shows them
//! through the schema functions below (`#[schema(schema_with = ..)]` on the
//! request types; query parameters in `openapi::Constraints`). A request
//! the document calls valid is then never refused for its shape; what a
//! document cannot say (a wrong code, a common password, a rule that never
//! occurs) is listed in `.ci/schemathesis.toml`.

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};

/// A reminder's, task's or memory's text: 1 to 500 characters once trimmed.
pub(crate) const MAX_TEXT_CHARS: usize = 500;
/// Longest recurrence rule, in bytes.
pub(crate) const MAX_RRULE_BYTES: usize = 500;
/// Page sizes (`?limit=`).
pub(crate) const PAGE_LIMITS: std::ops::RangeInclusive<usize> = 1..=100;
/// Default page size.
pub(crate) const DEFAULT_PAGE_LIMIT: usize = 20;
/// Longest cursor (`?cursor=`), letters, digits and `-`.
pub(crate) const MAX_CURSOR_CHARS: usize = 64;
/// Longest refresh token, in bytes.
pub(crate) const MAX_REFRESH_TOKEN_BYTES: usize = 200;
/// Email addresses: 3 to 254 characters, at most 64 before the `@`.
pub(crate) const EMAIL_CHARS: std::ops::RangeInclusive<usize> = 3..=254;
/// An SMS or authenticator code: six digits.
pub(crate) const CODE_PATTERN: &str = "^[0-9]{6}$";
/// A consent's version.
pub(crate) const MAX_CONSENT_VERSION_CHARS: usize = 40;
/// The roles an administrator can give.
pub(crate) const ROLES: &[&str] = &["user", "premium", "admin"];
/// A time of day, `HH:MM`.
pub(crate) const HHMM_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
/// A month, `YYYY-MM`.
pub(crate) const MONTH_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])$";
/// Languages, as the document names them (the server also takes `en-CA`, `french` ...).
pub(crate) const LANGUAGES: &[&str] = &["en", "fr"];
/// The consent kinds a person can grant or withdraw.
pub(crate) const CONSENT_KINDS: &[&str] = &["terms", "privacy", "ai_processing", "sms"];

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// Text with something in it: at least one character that is not a space.
pub(crate) fn text() -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(MAX_TEXT_CHARS))
        .pattern(Some("\\S"))
        .description(Some("1 to 500 characters, not only spaces"))
        .build()
}

pub(crate) fn rrule() -> Object {
    // The rules the server takes are RFC 5545 RRULEs that occur again after
    // `due_at`; the document states a subset that always does.
    string()
        .max_length(Some(MAX_RRULE_BYTES))
        .pattern(Some("^(FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(;INTERVAL=[1-9][0-9]?)?)?$"))
        .description(Some(
            "an RFC 5545 RRULE (e.g. FREQ=WEEKLY;BYDAY=MO) that occurs after due_at; empty for none",
        ))
        .build()
}

pub(crate) fn email() -> Object {
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .min_length(Some(*EMAIL_CHARS.start()))
        .max_length(Some(*EMAIL_CHARS.end()))
        .build()
}

/// A new password: 8 to 128 characters (and not a common one, nor the email).
pub(crate) fn new_password() -> Object {
    string()
        .min_length(Some(crate::password::MIN_CHARS))
        .max_length(Some(crate::password::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .build()
}

/// A password given to sign in or to re-authenticate.
pub(crate) fn password() -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(crate::password::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .build()
}

pub(crate) fn code() -> Object {
    string().pattern(Some(CODE_PATTERN)).build()
}

pub(crate) fn refresh_token() -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(MAX_REFRESH_TOKEN_BYTES))
        .pattern(Some("^[\\x21-\\x7e]*$"))
        .build()
}

pub(crate) fn phone() -> Object {
    string().pattern(Some(nudge_core::PhoneNumber::PATTERN)).build()
}

pub(crate) fn role() -> Object {
    string().enum_values(Some(ROLES.iter().copied())).build()
}

pub(crate) fn consent_kind() -> Object {
    string().enum_values(Some(CONSENT_KINDS.iter().copied())).build()
}

pub(crate) fn consent_version() -> Object {
    string()
        .pattern(Some("^[A-Za-z0-9._-]{1,40}$"))
        .max_length(Some(MAX_CONSENT_VERSION_CHARS))
        .build()
}

pub(crate) fn hhmm() -> Object {
    string().pattern(Some(HHMM_PATTERN)).build()
}

pub(crate) fn timezone() -> Object {
    string()
        .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
        .description(Some("an IANA time zone"))
        .build()
}

pub(crate) fn language() -> Object {
    string().enum_values(Some(LANGUAGES.iter().copied())).build()
}

pub(crate) fn nag_interval_seconds() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(0))
        .maximum(Some(nudge_core::limits::MAX_NAG_INTERVAL_SECONDS))
        .build()
}

pub(crate) fn nag_limit() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(0))
        .maximum(Some(nudge_core::limits::MAX_NAG_LIMIT))
        .build()
}

/// The largest place a move names: an int32, as the document says.
pub(crate) const MAX_POSITION: u32 = i32::MAX.unsigned_abs();

/// A task's place in the list, from 1 to [`MAX_POSITION`] (a place past the
/// end is the end).
pub(crate) fn position() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(MAX_POSITION))
        .build()
}

/// `?limit=`.
pub(crate) fn page_limit() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(u32::try_from(*PAGE_LIMITS.start()).unwrap_or(1)))
        .maximum(Some(u32::try_from(*PAGE_LIMITS.end()).unwrap_or(100)))
        .default(Some(DEFAULT_PAGE_LIMIT.into()))
        .build()
}

/// `?cursor=`: the `next_cursor` of the previous page.
pub(crate) fn cursor() -> Object {
    string()
        .max_length(Some(MAX_CURSOR_CHARS))
        .pattern(Some("^[A-Za-z0-9-]*$"))
        .build()
}

/// `?month=`.
pub(crate) fn month() -> Object {
    string().pattern(Some(MONTH_PATTERN)).build()
}

/// `schema`, or `null` (an optional field: the server takes `null` as absent).
fn or_null(mut schema: Object) -> Object {
    if let SchemaType::Type(kind) = schema.schema_type {
        schema.schema_type = [kind, Type::Null].into_iter().collect();
    }
    if let Some(values) = schema.enum_values.as_mut() {
        values.push(serde_json::Value::Null);
    }
    schema
}

pub(crate) fn optional_text() -> Object {
    or_null(text())
}

pub(crate) fn optional_rrule() -> Object {
    or_null(rrule())
}

pub(crate) fn optional_timezone() -> Object {
    or_null(timezone())
}

pub(crate) fn optional_language() -> Object {
    or_null(language())
}

pub(crate) fn optional_nag_interval_seconds() -> Object {
    or_null(nag_interval_seconds())
}

pub(crate) fn optional_nag_limit() -> Object {
    or_null(nag_limit())
}

/// What a change to a reminder must hold: at least one of its fields, not
/// `null` (`{}` or only nulls changes nothing and is refused).
pub(crate) fn at_least_one_of(fields: &[(&str, Type)]) -> Vec<Object> {
    fields
        .iter()
        .map(|(name, kind)| {
            ObjectBuilder::new()
                .property(*name, ObjectBuilder::new().schema_type(kind.clone()))
                .required(*name)
                .build()
        })
        .collect()
}
