//! Lists by pages: the page answered (`items`, `next_cursor`) and the page
//! asked for (`limit`, `cursor`), checked against the same constants the
//! OpenAPI document states.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

// One page of a list; `next_cursor` asks for the next one (none: the last
// page). A doc comment here would enter the OpenAPI document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_cursor: Option<String>,
}

/// Page parameters: `limit` (1 to 100, default 20) and `cursor` (from `next_cursor`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    pub(crate) limit: Option<String>,
    pub(crate) cursor: Option<String>,
}

impl PageQuery {
    pub(crate) fn limit(&self) -> ApiResult<usize> {
        match self.limit.as_deref() {
            None => Ok(crate::constraints::DEFAULT_PAGE_LIMIT),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if crate::constraints::PAGE_LIMITS.contains(&n) => Ok(n),
                _ => Err(ApiError::field("limit", "must be a whole number from 1 to 100")),
            },
        }
    }

    pub(crate) fn cursor(&self) -> ApiResult<Option<&str>> {
        match self.cursor.as_deref() {
            None | Some("") => Ok(None),
            Some(c)
                if c.len() <= crate::constraints::MAX_CURSOR_CHARS
                    && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                Ok(Some(c))
            }
            Some(_) => Err(ApiError::field("cursor", "is not a cursor this API gave")),
        }
    }
}

/// How many rows to read for a page of `limit`: one more, which only shows
/// that a next page follows.
pub(crate) fn rows_to_read(limit: usize) -> i64 {
    i64::try_from(limit + 1).unwrap_or(101)
}

/// The page of `rows`, read with [`rows_to_read`]: at most `limit` of them,
/// and the cursor of the next page (the id of the page's last row) when
/// there was one more.
pub(crate) fn page_of_rows<T>(mut rows: Vec<T>, limit: usize, id: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
    if rows.len() > limit {
        rows.truncate(limit);
        let next_cursor = rows.last().map(|row| id(row).to_owned());
        (rows, next_cursor)
    } else {
        (rows, None)
    }
}
