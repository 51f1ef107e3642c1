//! The queries of outbound SMS: `sms_outbound` (the paced queue), and the
//! one reply a stranger gets (`sms_stranger_replies`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Integer, Nullable, Text, Timestamp};
use diesel_async::RunQueryDsl;
use nudge_secure::{CryptoError, PersonReader};
use nudge_store::schema::{sms_outbound, sms_outbound_queue, sms_stranger_replies};
use nudge_store::{Backend, DbConn, Transact as _, diesel, diesel_async, with_conn};

use crate::store::{Statement, outbound_status, phones, sql, stranger_status};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_outbound)]
pub(crate) struct OutboundRow {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) kind: String,
    pub(crate) from_number: String,
    /// The recipient's blind index (see [`phones`]).
    pub(crate) to_index: String,
    pub(crate) to_sealed: Option<Vec<u8>>,
    pub(crate) body: Vec<u8>,
    pub(crate) status: String,
    pub(crate) provider_sid: Option<String>,
    pub(crate) segments: i32,
    pub(crate) created_at: NaiveDateTime,
}

impl OutboundRow {
    /// The recipient's phone, opened with the person's key.
    pub(crate) fn to(&self, reader: &PersonReader) -> Result<String, CryptoError> {
        phones::open(
            reader,
            self.to_sealed.as_deref(),
            &self.to_index,
            &phones::outbound_context(&self.id),
        )
    }
}

/// One SMS to store in the queue (a part of a text over the budget).
#[derive(Debug)]
pub(crate) struct NewOutbound<'a> {
    pub(crate) id: String,
    pub(crate) idempotency_key: String,
    pub(crate) user_id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) from_number: &'a str,
    /// The recipient's blind index, and their phone sealed under the
    /// person's key with [`phones::outbound_context`] of `id`.
    pub(crate) to_index: String,
    pub(crate) to_sealed: Vec<u8>,
    pub(crate) body: Vec<u8>,
    pub(crate) status: &'a str,
    pub(crate) segments: i32,
    pub(crate) encoding: &'a str,
    pub(crate) part: i32,
    pub(crate) parts: i32,
    pub(crate) send_after: NaiveDateTime,
    pub(crate) created_at: NaiveDateTime,
}

/// A row the sender claimed.
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct Claimed {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) user_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) kind: String,
    #[diesel(sql_type = Text)]
    pub(crate) from_number: String,
    #[diesel(sql_type = Text)]
    pub(crate) to_index: String,
    #[diesel(sql_type = Nullable<Binary>)]
    pub(crate) to_sealed: Option<Vec<u8>>,
    #[diesel(sql_type = Binary)]
    pub(crate) body: Vec<u8>,
    #[diesel(sql_type = Integer)]
    pub(crate) segments: i32,
    #[diesel(sql_type = Integer)]
    pub(crate) attempts: i32,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub(crate) reconcile_since: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub(crate) claimed_at: Option<NaiveDateTime>,
}

const INSERT_OUTBOUND_SQL: &str = "INSERT INTO sms_outbound \
    (id, idempotency_key, user_id, kind, from_number, to_index, to_sealed, body, status, segments, \
     created_at, updated_at, send_after, part, parts, encoding) \
    VALUES ($1, $2, $3, $4, $5, $6, $15, $7, $8, $9, $10, $10, $11, $12, $13, $14) \
    ON CONFLICT (idempotency_key) DO NOTHING";

/// The statement inserting one outbound row (nothing when its idempotency
/// key is taken): built once for either backend, run inside the caller's
/// transaction (`.execute(c)`).
pub(crate) fn insert_outbound_row<'a>(backend: Backend, row: &'a NewOutbound<'_>) -> impl Statement + 'a {
    diesel::sql_query(sql(backend, INSERT_OUTBOUND_SQL))
        .bind::<Text, _>(&row.id)
        .bind::<Text, _>(&row.idempotency_key)
        .bind::<Text, _>(row.user_id)
        .bind::<Text, _>(row.kind)
        .bind::<Text, _>(row.from_number)
        .bind::<Text, _>(&row.to_index)
        .bind::<Binary, _>(&row.body)
        .bind::<Text, _>(row.status)
        .bind::<Integer, _>(row.segments)
        .bind::<Timestamp, _>(row.created_at)
        .bind::<Timestamp, _>(row.send_after)
        .bind::<Integer, _>(row.part)
        .bind::<Integer, _>(row.parts)
        .bind::<Text, _>(row.encoding)
        .bind::<Binary, _>(&row.to_sealed)
}

/// How the one attempt at a stranger's reply ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrangerReplyOutcome<'a> {
    pub(crate) status: &'a str,
    pub(crate) provider_sid: Option<&'a str>,
    pub(crate) segments: i32,
    pub(crate) error_code: Option<i32>,
    pub(crate) now: NaiveDateTime,
}

pub(crate) async fn finish_stranger_reply(
    conn: &mut DbConn,
    id: &str,
    outcome: &StrangerReplyOutcome<'_>,
) -> QueryResult<()> {
    let StrangerReplyOutcome {
        status,
        provider_sid,
        segments,
        error_code,
        now,
    } = *outcome;
    let sent_at = (status == stranger_status::SENT).then_some(now);
    with_conn!(conn, c => {
        diesel::update(sms_stranger_replies::table.find(id))
            .set((
                sms_stranger_replies::status.eq(status),
                sms_stranger_replies::provider_sid.eq(provider_sid),
                sms_stranger_replies::segments.eq(segments),
                sms_stranger_replies::error_code.eq(error_code),
                sms_stranger_replies::updated_at.eq(now),
                sms_stranger_replies::sent_at.eq(sent_at),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Applies a delivery status to a stranger reply, forward only.
pub(crate) async fn stranger_reply_status(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    error_code: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let current: Option<String> = with_conn!(conn, c => {
        sms_stranger_replies::table.find(id).select(sms_stranger_replies::status).first(c).await.optional()
    })?;
    let Some(current) = current else { return Ok(false) };
    if outbound_status::rank(status) <= outbound_status::rank(&current) || current == stranger_status::SKIPPED {
        return Ok(true);
    }
    with_conn!(conn, c => {
        diesel::update(
            sms_stranger_replies::table
                .find(id)
                .filter(sms_stranger_replies::status.eq(&current)),
        )
        .set((
            sms_stranger_replies::status.eq(status),
            sms_stranger_replies::error_code.eq(error_code),
            sms_stranger_replies::updated_at.eq(now),
        ))
        .execute(c)
        .await
    })?;
    Ok(true)
}

/// Stores the parts of one send; `false` (nothing stored) when the first
/// part's idempotency key was used before.
pub(crate) async fn insert_outbound(conn: &mut DbConn, rows: &[NewOutbound<'_>]) -> QueryResult<bool> {
    let backend = conn.backend();
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            for (index, row) in rows.iter().enumerate() {
                let inserted = insert_outbound_row(backend, row).execute(c).await?;
                if inserted == 0 {
                    if index == 0 {
                        return QueryResult::Ok(false);
                    }
                    // A later part's key is taken by something else: refuse the whole send.
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            QueryResult::Ok(true)
        })
        .await
    })
}

/// The rows of one send, in order: the row of `key`, then `key#2`, `key#3` ...
pub(crate) async fn outbound_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Vec<OutboundRow>> {
    let first: Option<OutboundRow> = with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::idempotency_key.eq(key))
            .select(OutboundRow::as_select())
            .first(c)
            .await
            .optional()
    })?;
    let Some(first) = first else { return Ok(Vec::new()) };
    let parts: i32 = with_conn!(conn, c => {
        sms_outbound_queue::table.find(&first.id).select(sms_outbound_queue::parts).first(c).await
    })?;
    if parts <= 1 {
        return Ok(vec![first]);
    }
    let keys: Vec<String> = std::iter::once(key.to_owned())
        .chain((2..=parts).map(|part| part_key(key, part)))
        .collect();
    let rows: Vec<(OutboundRow, String)> = with_conn!(conn, c => {
        sms_outbound::table
            .filter(sms_outbound::idempotency_key.eq_any(&keys))
            .select((OutboundRow::as_select(), sms_outbound::idempotency_key))
            .load(c)
            .await
    })?;
    let mut ordered: Vec<(usize, OutboundRow)> = rows
        .into_iter()
        .filter_map(|(row, row_key)| keys.iter().position(|k| *k == row_key).map(|index| (index, row)))
        .collect();
    ordered.sort_by_key(|(index, _)| *index);
    Ok(ordered.into_iter().map(|(_, row)| row).collect())
}

/// The idempotency key of part `part` (2 and up) of the send `key`.
pub(crate) fn part_key(key: &str, part: i32) -> String {
    format!("{key}#{part}")
}

/// The heads of the numbers after a cursor, in number order, at most `$2` of
/// them: each number with a pending SMS (queued or sending), its oldest
/// pending row (the only one that may go next) and whether one of its rows
/// is in flight. Every step is a probe of a partial index
/// (`sms_outbound_sender_pending`: the next number after the previous one,
/// then that number's first row; `sms_outbound_sender_sending`), so the
/// work grows with the numbers looked at, never with the rows queued,
/// whatever the planner's statistics say about the table. `{pending}` and
/// `{sending}` name those indexes (see [`with_indexes`]).
const HEADS: &str = "WITH RECURSIVE numbers(n, depth) AS ( \
        SELECT (SELECT f.from_number FROM sms_outbound f {pending} \
            WHERE f.status IN ('queued', 'sending') AND f.from_number > $1 \
            ORDER BY f.from_number LIMIT 1), 1 \
        UNION ALL \
        SELECT (SELECT f.from_number FROM sms_outbound f {pending} \
            WHERE f.status IN ('queued', 'sending') AND f.from_number > numbers.n \
            ORDER BY f.from_number LIMIT 1), numbers.depth + 1 \
        FROM numbers WHERE numbers.n IS NOT NULL AND numbers.depth < $2 \
    ), heads AS MATERIALIZED ( \
        SELECT numbers.n, numbers.depth, \
            (SELECT h.id FROM sms_outbound h {pending} WHERE h.from_number = numbers.n \
                AND h.status IN ('queued', 'sending') ORDER BY h.created_at, h.part, h.id LIMIT 1) AS head_id, \
            (SELECT s.from_number FROM sms_outbound s {sending} WHERE s.from_number = numbers.n \
                AND s.status = 'sending' LIMIT 1) IS NOT NULL AS busy \
        FROM numbers WHERE numbers.n IS NOT NULL \
    ) \
    SELECT heads.n AS from_number, heads.depth, heads.busy, heads.head_id AS id, \
        (SELECT o.status FROM sms_outbound o WHERE o.id = heads.head_id) AS status, \
        (SELECT o.send_after FROM sms_outbound o WHERE o.id = heads.head_id) AS send_after \
    FROM heads";

/// The heads of the numbers with a reminder due (at most `$2` reminders,
/// the earliest due first): the sender claims these before walking the
/// other numbers from its cursor, so a reminder does not wait for the walk
/// to reach its number while replies queue faster than they go out. A
/// number's head may be an older SMS than its reminder: it goes first, and
/// the reminder next, each number's order kept. Every step is an index
/// probe: the queued reminders (`sms_outbound_sender_reminders`, a few
/// rows), then each one's number as in [`HEADS`]. A number with several
/// reminders due comes back once per reminder (the caller keeps one).
const REMINDER_HEADS: &str = "WITH numbers AS MATERIALIZED ( \
        SELECT r.from_number AS n FROM sms_outbound r {reminders} \
            WHERE r.kind = 'reminder' AND r.status = 'queued' AND r.send_after <= $1 \
            ORDER BY r.send_after LIMIT $2 \
    ), heads AS MATERIALIZED ( \
        SELECT numbers.n, 0 AS depth, \
            (SELECT h.id FROM sms_outbound h {pending} WHERE h.from_number = numbers.n \
                AND h.status IN ('queued', 'sending') ORDER BY h.created_at, h.part, h.id LIMIT 1) AS head_id, \
            (SELECT s.from_number FROM sms_outbound s {sending} WHERE s.from_number = numbers.n \
                AND s.status = 'sending' LIMIT 1) IS NOT NULL AS busy \
        FROM numbers \
    ) \
    SELECT heads.n AS from_number, heads.depth, heads.busy, heads.head_id AS id, \
        (SELECT o.status FROM sms_outbound o WHERE o.id = heads.head_id) AS status, \
        (SELECT o.send_after FROM sms_outbound o WHERE o.id = heads.head_id) AS send_after \
    FROM heads";

/// The claim's SQL for `backend`: on SQLite, whose planner picks an index by
/// its statistics, `INDEXED BY` pins the partial indexes (SQLite refuses the
/// statement rather than run it another way); PostgreSQL's plan is checked
/// by the tests (`claim_tests`), after `ANALYZE` on an empty and a full queue.
pub(super) fn with_indexes(backend: Backend, text: &str) -> String {
    let (pending, sending, reminders) = match backend {
        Backend::Postgres => ("", "", ""),
        Backend::Sqlite => (
            "INDEXED BY sms_outbound_sender_pending",
            "INDEXED BY sms_outbound_sender_sending",
            "INDEXED BY sms_outbound_sender_reminders",
        ),
    };
    sql(
        backend,
        &text
            .replace("{pending}", pending)
            .replace("{sending}", sending)
            .replace("{reminders}", reminders),
    )
}

/// The claim's SQL that finds the heads (tests read its plan).
pub(super) fn heads_sql(backend: Backend) -> String {
    with_indexes(backend, HEADS)
}

/// The claim's SQL that finds the heads of the numbers with a reminder due
/// (tests read its plan).
pub(super) fn reminder_heads_sql(backend: Backend) -> String {
    with_indexes(backend, REMINDER_HEADS)
}

/// One number's head, as [`HEADS`] and [`REMINDER_HEADS`] read it.
#[derive(Debug, Clone, QueryableByName)]
struct Head {
    #[diesel(sql_type = Text)]
    from_number: String,
    #[diesel(sql_type = Integer)]
    depth: i32,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    busy: bool,
    #[diesel(sql_type = Nullable<Text>)]
    id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    send_after: Option<NaiveDateTime>,
}

impl Head {
    /// The row to claim, if the number may send it now.
    fn claimable(&self, now: NaiveDateTime) -> Option<&str> {
        let due = self.send_after.is_none_or(|at| at <= now);
        let queued = self.status.as_deref() == Some(outbound_status::QUEUED);
        (!self.busy && queued && due).then_some(self.id.as_deref()).flatten()
    }

    /// Adds the row to claim to `picked`, unless it is there already (a
    /// number found both as a reminder's and on the walk).
    fn pick_into(&self, picked: &mut Vec<String>, now: NaiveDateTime) {
        if let Some(id) = self.claimable(now)
            && !picked.iter().any(|p| p == id)
        {
            picked.push(id.to_owned());
        }
    }
}

/// Claims one row, if it is still queued (another replica may have taken it).
pub(super) const CLAIM_ONE: &str = "UPDATE sms_outbound SET status = 'sending', claimed_at = $1, \
        lease_until = $2, attempts = attempts + 1, updated_at = $1 \
    WHERE id = $3 AND status = 'queued' \
    RETURNING id, user_id, kind, from_number, to_index, to_sealed, body, segments, attempts, reconcile_since, claimed_at";

/// Where a replica's claims go on from: the numbers are visited in turn (a
/// round robin over the numbers with pending SMS), so each claim looks at a
/// bounded slice of them and no number waits behind the others.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimCursor {
    /// The last number looked at; empty: from the first.
    after: String,
}

impl ClaimCursor {
    /// The next claim starts from the first number.
    pub(crate) fn is_at_start(&self) -> bool {
        self.after.is_empty()
    }
}

/// What one claim did.
#[derive(Debug, Default)]
pub(crate) struct ClaimRound {
    pub(crate) claimed: Vec<Claimed>,
    /// The round reached the last number: the next one starts from the first.
    pub(crate) wrapped: bool,
}

/// Numbers looked at per claim, for `limit` rows to claim.
fn numbers_per_claim(limit: i64) -> i64 {
    limit.saturating_mul(4).clamp(8, 512)
}

/// Reminders looked at per claim, for `limit` rows to claim: a few more
/// than it may take, for those whose number cannot send yet.
fn reminders_per_claim(limit: i64) -> i64 {
    limit.saturating_mul(2).clamp(4, 128)
}

/// Claims up to `limit` due rows, at most one per sending number and only
/// that number's oldest pending row (queued or sending), and none of a
/// number with a row in flight: a number's SMS go out one at a time, in
/// order, and a row waiting for a retry holds back the later ones.
///
/// The numbers with a reminder due come first ([`REMINDER_HEADS`]); the
/// others are taken in turn from `cursor` (see [`HEADS`] for why the
/// cost does not depend on the queue's length). Several replicas never
/// claim the same row: the update is conditional on the row still being
/// queued, and PostgreSQL makes a second claimer wait for the first and
/// then find the row taken; SQLite runs one writer at a time.
pub(crate) async fn claim_due(
    conn: &mut DbConn,
    cursor: &mut ClaimCursor,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<ClaimRound> {
    let backend = conn.backend();
    let window = numbers_per_claim(limit);
    let wanted = usize::try_from(limit).unwrap_or(0);
    // First the numbers with a reminder due, earliest first.
    let reminders_sql = reminder_heads_sql(backend);
    let reminder_heads: Vec<Head> = with_conn!(conn, c => {
        diesel::sql_query(&reminders_sql)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(reminders_per_claim(limit))
            .load::<Head>(c)
            .await
    })?;
    let mut picked: Vec<String> = Vec::new();
    for head in &reminder_heads {
        if picked.len() == wanted {
            break;
        }
        head.pick_into(&mut picked, now);
    }
    // Then the others in turn, from the cursor.
    if picked.len() == wanted {
        return claim_picked(conn, &picked, now, lease_until, false).await;
    }
    let heads_sql = heads_sql(backend);
    let mut heads: Vec<Head> = with_conn!(conn, c => {
        diesel::sql_query(&heads_sql)
            .bind::<Text, _>(&cursor.after)
            .bind::<BigInt, _>(window)
            .load::<Head>(c)
            .await
    })?;
    // In number order (sorted here: an ORDER BY would be a sort node in the plan).
    heads.sort_unstable_by_key(|head| head.depth);
    let mut last_looked = None;
    for head in &heads {
        if picked.len() == wanted {
            break;
        }
        last_looked = Some(head);
        head.pick_into(&mut picked, now);
    }
    let wrapped = picked.len() < wanted && heads.len() < usize::try_from(window).unwrap_or(usize::MAX);
    if wrapped {
        cursor.after = String::new();
    } else if let Some(head) = last_looked {
        cursor.after = head.from_number.clone();
    }
    claim_picked(conn, &picked, now, lease_until, wrapped).await
}

/// Claims the rows `picked` (see [`claim_due`]).
async fn claim_picked(
    conn: &mut DbConn,
    picked: &[String],
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    wrapped: bool,
) -> QueryResult<ClaimRound> {
    if picked.is_empty() {
        return Ok(ClaimRound {
            claimed: Vec::new(),
            wrapped,
        });
    }
    let backend = conn.backend();
    // One statement per row, each a probe of the primary key: a list of
    // ids (`IN (...)`) lets a planner that thinks the table small read it whole.
    let claim_sql = sql(backend, CLAIM_ONE);
    let claimed = with_conn!(conn, c => {
        c.write_transaction(async |c| {
            let mut claimed = Vec::with_capacity(picked.len());
            for id in picked {
                let row: Option<Claimed> = diesel::sql_query(&claim_sql)
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(lease_until)
                    .bind::<Text, _>(id)
                    .get_result(c)
                    .await
                    .optional()?;
                claimed.extend(row);
            }
            QueryResult::Ok(claimed)
        })
        .await
    })?;
    Ok(ClaimRound { claimed, wrapped })
}

/// Moves a number's head (if queued) to no sooner than `$2`.
pub(super) const HOLD_NEXT: &str = "UPDATE sms_outbound SET send_after = $2 WHERE id = \
        (SELECT h.id FROM sms_outbound h {pending} \
            WHERE h.from_number = $1 AND h.status IN ('queued', 'sending') \
            ORDER BY h.created_at, h.part, h.id LIMIT 1) \
    AND status = 'queued' AND (send_after IS NULL OR send_after < $2)";

/// When the sender should look again: the earliest `send_after` of a queued row.
pub(crate) async fn next_send_after(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::status.eq(outbound_status::QUEUED))
            .select(diesel::dsl::min(sms_outbound_queue::send_after))
            .first(c)
            .await
    })
}

/// The earliest `send_after` of a queued row after `now`: when a row held
/// to its number's pace becomes due (one entry of `(status, send_after)`).
pub(crate) async fn next_send_after_from(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::status.eq(outbound_status::QUEUED))
            .filter(sms_outbound_queue::send_after.gt(now))
            .select(diesel::dsl::min(sms_outbound_queue::send_after))
            .first(c)
            .await
    })
}

const MARK_SENT_SQL: &str = "UPDATE sms_outbound SET provider_sid = COALESCE(provider_sid, $2), sent_at = $3, \
    updated_at = $3, lease_until = NULL, reconcile_since = NULL, error_code = NULL, \
    status = CASE WHEN status IN ('queued', 'sending') THEN 'sent' ELSE status END \
    WHERE id = $1";

/// Which of `sids` are recorded on rows other than `id` (sent SMS with the
/// same words as the row being reconciled).
pub(crate) async fn sids_held_by_others(conn: &mut DbConn, sids: &[String], id: &str) -> QueryResult<Vec<String>> {
    let held: Vec<Option<String>> = with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::provider_sid.eq_any(sids))
            .filter(sms_outbound_queue::id.ne(id))
            .select(sms_outbound_queue::provider_sid)
            .load(c)
            .await
    })?;
    Ok(held.into_iter().flatten().collect())
}

/// Records that Twilio accepted a row. Never moves a status backwards (a
/// delivery callback may have come first).
pub(crate) async fn mark_sent(conn: &mut DbConn, id: &str, provider_sid: &str, now: NaiveDateTime) -> QueryResult<()> {
    let query = sql(conn.backend(), MARK_SENT_SQL);
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Text, _>(id)
            .bind::<Text, _>(provider_sid)
            .bind::<Timestamp, _>(now)
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Records that Twilio accepted a row and holds its number's next row to
/// `next_slot`, in one transaction: one commit per SMS sent, not two.
pub(crate) async fn record_sent(
    conn: &mut DbConn,
    row: &Claimed,
    provider_sid: &str,
    next_slot: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let backend = conn.backend();
    let (mark, hold) = (sql(backend, MARK_SENT_SQL), with_indexes(backend, HOLD_NEXT));
    with_conn!(conn, c => {
        c.write_transaction(async |c| {
            diesel::sql_query(&mark)
                .bind::<Text, _>(&row.id)
                .bind::<Text, _>(provider_sid)
                .bind::<Timestamp, _>(now)
                .execute(c)
                .await?;
            diesel::sql_query(&hold)
                .bind::<Text, _>(&row.from_number)
                .bind::<Timestamp, _>(next_slot)
                .execute(c)
                .await?;
            QueryResult::Ok(())
        })
        .await
    })
}

/// Ends an attempt: the row leaves `sending` for `status` (failed, suppressed).
pub(crate) async fn finish_attempt(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    error_code: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = with_conn!(conn, c => {
        diesel::update(
            sms_outbound_queue::table
                .find(id)
                .filter(sms_outbound_queue::status.eq_any([outbound_status::SENDING, outbound_status::QUEUED])),
        )
        .set((
            sms_outbound_queue::status.eq(status),
            sms_outbound_queue::error_code.eq(error_code),
            sms_outbound_queue::updated_at.eq(now),
            sms_outbound_queue::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)
        .await
    })?;
    Ok(changed == 1)
}

/// How a claimed row goes back to the queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Requeue {
    /// When it may be claimed again.
    pub(crate) send_after: NaiveDateTime,
    pub(crate) error_code: Option<i32>,
    /// False gives the claim's attempt back (nothing was tried).
    pub(crate) count_attempt: bool,
    /// The attempt may have reached Twilio: reconcile before sending again.
    pub(crate) reconcile: bool,
    pub(crate) now: NaiveDateTime,
}

impl Requeue {
    /// Nothing was tried: the attempt is given back, nothing to reconcile.
    pub(crate) fn untried(send_after: NaiveDateTime, now: NaiveDateTime) -> Requeue {
        Requeue {
            send_after,
            error_code: None,
            count_attempt: false,
            reconcile: false,
            now,
        }
    }
}

/// Puts a claimed row back in the queue (see [`Requeue`]).
pub(crate) async fn requeue(conn: &mut DbConn, row: &Claimed, requeue: &Requeue) -> QueryResult<()> {
    let Requeue {
        send_after,
        error_code,
        count_attempt,
        reconcile,
        now,
    } = *requeue;
    let attempts = if count_attempt { row.attempts } else { row.attempts - 1 };
    let reconcile_since = if reconcile {
        row.reconcile_since.or(row.claimed_at)
    } else {
        row.reconcile_since
    };
    with_conn!(conn, c => {
        diesel::update(
            sms_outbound_queue::table
                .find(&row.id)
                .filter(sms_outbound_queue::status.eq(outbound_status::SENDING)),
        )
        .set((
            sms_outbound_queue::status.eq(outbound_status::QUEUED),
            sms_outbound_queue::send_after.eq(send_after),
            sms_outbound_queue::attempts.eq(attempts.max(0)),
            sms_outbound_queue::error_code.eq(error_code),
            sms_outbound_queue::reconcile_since.eq(reconcile_since),
            sms_outbound_queue::lease_until.eq(None::<NaiveDateTime>),
            sms_outbound_queue::updated_at.eq(now),
        ))
        .execute(c)
        .await
    })?;
    Ok(())
}

/// Extends to `until` the claims of the rows this replica is still sending
/// (a claim taken back meanwhile, by the sweeper or a callback, is left as
/// it is). Returns how many were extended.
pub(crate) async fn renew_leases(conn: &mut DbConn, ids: &[String], until: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, c => {
        diesel::update(
            sms_outbound_queue::table
                .filter(sms_outbound_queue::id.eq_any(ids))
                .filter(sms_outbound_queue::status.eq(outbound_status::SENDING))
                .filter(sms_outbound_queue::lease_until.is_not_null()),
        )
        .set(sms_outbound_queue::lease_until.eq(until))
        .execute(c)
        .await
    })
}

/// Rows whose sender died (their claim expired) go back to the queue, to be
/// reconciled with Twilio before they are sent again, and so do rows in
/// `sending` without a claim (moved there by a status callback) untouched
/// since `stale`. Returns how many.
pub(crate) async fn recover_expired(conn: &mut DbConn, now: NaiveDateTime, stale: NaiveDateTime) -> QueryResult<usize> {
    let query = sql(
        conn.backend(),
        "UPDATE sms_outbound SET status = 'queued', send_after = $1, lease_until = NULL, updated_at = $1, \
         reconcile_since = COALESCE(reconcile_since, claimed_at, updated_at) \
         WHERE status = 'sending' AND ((lease_until IS NOT NULL AND lease_until < $1) \
             OR (lease_until IS NULL AND updated_at < $2))",
    );
    with_conn!(conn, c => {
        diesel::sql_query(&query)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(stale)
            .execute(c)
            .await
    })
}

/// Every row in `sending` back to the queue, to be reconciled: at start-up
/// of a lone replica (in-process cache), whose earlier senders all died.
pub(crate) async fn recover_all_sending(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    recover_expired(
        conn,
        now + chrono::TimeDelta::days(36_500),
        now + chrono::TimeDelta::days(36_500),
    )
    .await
}

/// SMS sent since `since`: (number, when, segments), for restoring each number's pace.
pub(crate) async fn recent_sends(
    conn: &mut DbConn,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime, i32)>> {
    let rows: Vec<(String, Option<NaiveDateTime>, i32)> = with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::sent_at.ge(since))
            .select((sms_outbound_queue::from_number, sms_outbound_queue::sent_at, sms_outbound_queue::segments))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(number, sent_at, segments)| sent_at.map(|at| (number, at, segments)))
        .collect())
}

/// Rows waiting in the queue, by status (queued, sending).
pub(crate) async fn queue_depth(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, c => {
        sms_outbound_queue::table
            .filter(sms_outbound_queue::status.eq_any([outbound_status::QUEUED, outbound_status::SENDING]))
            .group_by(sms_outbound_queue::status)
            .select((sms_outbound_queue::status, diesel::dsl::count_star()))
            .load(c)
            .await
    })
}

/// What a status callback refers to.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) changed: bool,
}

/// A delivery status callback from Twilio.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeliveryReport<'a> {
    /// Our id of the SMS, carried in the StatusCallback URL (`o`).
    pub(crate) outbound_id: Option<&'a str>,
    /// Our id of a stranger's reply, carried in the StatusCallback URL (`s`).
    pub(crate) stranger_id: Option<&'a str>,
    pub(crate) provider_sid: &'a str,
    pub(crate) status: &'a str,
    pub(crate) error_code: Option<i32>,
}

/// Applies a delivery status from Twilio if it moves the message forward.
/// The row is found by our id (carried in the StatusCallback URL) or else
/// by Twilio's sid. `None` for an unknown message.
pub(crate) async fn apply_delivery_status(
    conn: &mut DbConn,
    report: &DeliveryReport<'_>,
    now: NaiveDateTime,
) -> QueryResult<Option<Delivery>> {
    let DeliveryReport {
        outbound_id,
        provider_sid,
        status,
        error_code,
        ..
    } = *report;
    let current: Option<(String, String, String, Option<String>)> = with_conn!(conn, c => {
        let query = sms_outbound::table
            .select((sms_outbound::id, sms_outbound::user_id, sms_outbound::status, sms_outbound::provider_sid))
            .into_boxed();
        let query = match outbound_id {
            Some(id) => query.filter(sms_outbound::id.eq(id)),
            None => query.filter(sms_outbound::provider_sid.eq(provider_sid)),
        };
        query.first(c).await.optional()
    })?;
    let Some((id, user_id, current, known_sid)) = current else {
        return Ok(None);
    };
    if known_sid.is_none() {
        with_conn!(conn, c => {
            diesel::update(sms_outbound::table.find(&id).filter(sms_outbound::provider_sid.is_null()))
                .set(sms_outbound::provider_sid.eq(provider_sid))
                .execute(c)
                .await
        })?;
    }
    if outbound_status::rank(status) <= outbound_status::rank(&current) {
        return Ok(Some(Delivery {
            id,
            user_id,
            changed: false,
        }));
    }
    // Conditional on the status read, so two racing callbacks cannot move it backwards.
    let changed = with_conn!(conn, c => {
        diesel::update(sms_outbound_queue::table.find(&id).filter(sms_outbound_queue::status.eq(&current)))
            .set((
                sms_outbound_queue::status.eq(status),
                sms_outbound_queue::error_code.eq(error_code),
                sms_outbound_queue::updated_at.eq(now),
                sms_outbound_queue::lease_until.eq(None::<NaiveDateTime>),
                sms_outbound_queue::reconcile_since.eq(None::<NaiveDateTime>),
            ))
            .execute(c)
            .await
    })?;
    Ok(Some(Delivery {
        id,
        user_id,
        changed: changed == 1,
    }))
}

pub(crate) async fn recent_outbound(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboundRow>> {
    let mut rows: Vec<OutboundRow> = with_conn!(conn, c => {
        sms_outbound::table
            .order((sms_outbound::created_at.desc(), sms_outbound::id.desc()))
            .limit(limit)
            .select(OutboundRow::as_select())
            .load(c)
            .await
    })?;
    rows.reverse();
    Ok(rows)
}
