//! Per-person usage and cost for a calendar month (UTC).
//!
//! - In: every SMS the person's number received that month (a stranger's
//!   included: Twilio bills them), with its segments (`NumSegments`).
//! - Out: every SMS Twilio accepted from the number that month (a sid, and
//!   not `failed`: Twilio does not bill failed messages), with its segments;
//!   replies to strangers included.
//! - Cost: segments in and out at `sms.price_per_segment_micros`, plus each
//!   number held at any time in the month at the monthly price recorded when
//!   it was assigned.

use chrono::{Datelike as _, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel_async::RunQueryDsl;
use nudge_proto::sms::GetUsageResponse;
use nudge_store::schema::sms_number_periods;
use nudge_store::{DbConn, diesel, diesel_async, with_conn};

use crate::error::RouterError;
use crate::state::Core;
use crate::store::sql;

/// [start, end) of the month "YYYY-MM".
pub(crate) fn month_bounds(month: &str) -> Result<(NaiveDateTime, NaiveDateTime), RouterError> {
    let invalid = || RouterError::field("month", "must be YYYY-MM, e.g. 2026-11");
    let (year, number) = month.split_once('-').ok_or_else(invalid)?;
    if year.len() != 4 || number.len() != 2 {
        return Err(invalid());
    }
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let number: u32 = number.parse().map_err(|_| invalid())?;
    let start = NaiveDate::from_ymd_opt(year, number, 1).ok_or_else(invalid)?;
    let end = if number == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, number + 1, 1)
    }
    .ok_or_else(invalid)?;
    debug_assert_eq!(start.day(), 1);
    Ok((
        start.and_hms_opt(0, 0, 0).ok_or_else(invalid)?,
        end.and_hms_opt(0, 0, 0).ok_or_else(invalid)?,
    ))
}

/// A person's usage and cost for the month "YYYY-MM".
pub(crate) async fn monthly(core: &Core, user_id: &str, month: &str) -> Result<GetUsageResponse, RouterError> {
    let (from, until) = month_bounds(month)?;
    let mut conn = core.db.conn().await?;
    let traffic = traffic(&mut conn, user_id, from, until).await?;
    let prices = number_prices(&mut conn, user_id, from, until).await?;
    let per_segment = i64::try_from(core.sms.price_per_segment_micros).unwrap_or(i64::MAX);
    let segment_cost = (traffic.segments_in + traffic.segments_out).saturating_mul(per_segment);
    let number_cost: i64 = prices.into_iter().map(i64::from).sum();
    Ok(GetUsageResponse {
        month: month.to_owned(),
        messages_in: traffic.messages_in,
        messages_out: traffic.messages_out,
        segments_in: traffic.segments_in,
        segments_out: traffic.segments_out,
        segment_cost_micros: segment_cost,
        number_cost_micros: number_cost,
        total_cost_micros: segment_cost.saturating_add(number_cost),
        currency: core.sms.currency.clone(),
    })
}

/// A person's traffic in [from, until).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Traffic {
    pub(crate) messages_in: i64,
    pub(crate) segments_in: i64,
    pub(crate) messages_out: i64,
    pub(crate) segments_out: i64,
}

#[derive(QueryableByName)]
struct Sums {
    #[diesel(sql_type = BigInt)]
    messages: i64,
    #[diesel(sql_type = BigInt)]
    segments: i64,
}

pub(crate) async fn traffic(
    conn: &mut DbConn,
    user_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Traffic> {
    let backend = conn.backend();
    let inbound = sql(
        backend,
        "SELECT COUNT(*) AS messages, COALESCE(SUM(num_segments), 0) AS segments FROM sms_inbound \
         WHERE user_id = $1 AND received_at >= $2 AND received_at < $3",
    );
    // Accepted by Twilio: it has a sid, and Twilio did not fail it (failed messages are not charged).
    let outbound = sql(
        backend,
        "SELECT COUNT(*) AS messages, COALESCE(SUM(segments), 0) AS segments FROM sms_outbound \
         WHERE user_id = $1 AND sent_at >= $2 AND sent_at < $3 AND provider_sid IS NOT NULL AND status <> 'failed'",
    );
    let strangers = sql(
        backend,
        "SELECT COUNT(*) AS messages, COALESCE(SUM(segments), 0) AS segments FROM sms_stranger_replies \
         WHERE user_id = $1 AND sent_at >= $2 AND sent_at < $3 AND provider_sid IS NOT NULL AND status <> 'failed'",
    );
    let mut sums = Vec::new();
    for query in [inbound, outbound, strangers] {
        let row: Sums = with_conn!(conn, c => {
            diesel::sql_query(&query)
                .bind::<Text, _>(user_id)
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(until)
                .get_result(c)
                .await
        })?;
        sums.push(row);
    }
    Ok(Traffic {
        messages_in: sums[0].messages,
        segments_in: sums[0].segments,
        messages_out: sums[1].messages + sums[2].messages,
        segments_out: sums[1].segments + sums[2].segments,
    })
}

/// The monthly prices of the numbers a person held at some point in [from, until).
pub(crate) async fn number_prices(
    conn: &mut DbConn,
    user_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<i32>> {
    with_conn!(conn, c => {
        sms_number_periods::table
            .filter(sms_number_periods::user_id.eq(user_id))
            .filter(sms_number_periods::assigned_at.lt(until))
            .filter(
                sms_number_periods::released_at
                    .is_null()
                    .or(sms_number_periods::released_at.ge(from)),
            )
            .select(sms_number_periods::monthly_price_micros)
            .load(c)
            .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        let (start, end) = month_bounds("2026-11").expect("valid");
        assert_eq!(start.to_string(), "2026-11-01 00:00:00");
        assert_eq!(end.to_string(), "2026-12-01 00:00:00");
        let (_, end) = month_bounds("2026-12").expect("valid");
        assert_eq!(end.to_string(), "2027-01-01 00:00:00");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "",
            "2026-11-01",
            "abcd-ef",
        ] {
            assert!(month_bounds(bad).is_err(), "{bad}");
        }
    }
}
