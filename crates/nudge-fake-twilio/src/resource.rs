//! What every resource shares: the API version in its paths, its `{sid}.json`
//! path segment, and Twilio's list envelope.

use actix_web::http::Uri;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::TwilioError;

pub(crate) const API_VERSION: &str = "2010-04-01";

/// `{sid}.json` path segment to `{sid}`; anything else is not found.
pub(crate) fn strip_json<'a>(segment: &'a str, uri: &Uri) -> Result<&'a str, TwilioError> {
    segment
        .strip_suffix(".json")
        .ok_or_else(|| TwilioError::not_found(uri.path()))
}

/// `PageSize` (1..=1000, default 50) and `Page` (from 0) query parameters.
#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    #[serde(rename = "PageSize")]
    page_size: Option<usize>,
    #[serde(rename = "Page")]
    page: Option<usize>,
}

impl Paging {
    pub(crate) fn size(&self) -> usize {
        self.page_size.unwrap_or(50).clamp(1, 1000)
    }
}

/// Twilio's list envelope around one page of `items` (all matches, in order):
/// `{key: [...], page, page_size, start, end, uri, first_page_uri, next_page_uri,
/// previous_page_uri}`. `filters` are echoed into the URIs as Twilio does.
pub(crate) fn page_envelope(
    key: &str,
    path: &str,
    filters: &[(&str, &str)],
    paging: &Paging,
    items: Vec<Value>,
) -> Value {
    let size = paging.size();
    let page = paging.page.unwrap_or(0);
    let start = page.saturating_mul(size);
    let total = items.len();
    let items: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    let sid_at = |i: Option<&Value>| i.and_then(|v| v["sid"].as_str()).unwrap_or_default().to_owned();
    let page_uri = |page: usize, token: Option<String>| {
        let mut query: Vec<(&str, String)> = filters.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        query.push(("PageSize", size.to_string()));
        query.push(("Page", page.to_string()));
        if let Some(token) = token {
            query.push(("PageToken", token));
        }
        // Pairs of strings always serialize.
        let query = serde_urlencoded::to_string(&query).unwrap_or_default();
        format!("{path}?{query}")
    };
    let next_page_uri =
        (start.saturating_add(size) < total).then(|| page_uri(page + 1, Some(format!("PA{}", sid_at(items.last())))));
    let previous_page_uri = (page > 0).then(|| page_uri(page - 1, Some(format!("PB{}", sid_at(items.first())))));
    json!({
        key: items,
        "end": start + items.len().saturating_sub(1),
        "first_page_uri": page_uri(0, None),
        "next_page_uri": next_page_uri,
        "page": page,
        "page_size": size,
        "previous_page_uri": previous_page_uri,
        "start": start,
        "uri": page_uri(page, None),
    })
}
