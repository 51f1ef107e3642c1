//! The lock-out of an account after failed guesses at its password or
//! second factor, shared by the login and every re-authentication.

use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::tokens;

pub(crate) fn failures_key(account_id: Option<&str>, email: &str) -> String {
    use sha2::Digest as _;
    match account_id {
        Some(id) => format!("api:login-failures:{id}"),
        None => format!(
            "api:login-failures:unknown:{}",
            tokens::hex(&sha2::Sha256::digest(email.as_bytes())[..12])
        ),
    }
}

/// One guess at a person's password (a login or a re-authentication),
/// reserved in the cache before the password is checked: the counter is
/// incremented first, atomically for every replica, so that concurrent
/// guesses each take their own place and none is checked past the limit.
pub(crate) struct Attempt {
    key: String,
    /// This attempt's place among the failures counted in the window (1 = the first).
    number: i64,
}

/// Reserves an attempt on the failure counter `key`, or refuses with 429
/// once `api.login_max_failures` are counted (the account is locked until
/// the window of `api.login_lockout_seconds` ends).
pub(crate) async fn reserve_attempt(state: &State, key: String) -> ApiResult<Attempt> {
    let lockout = Duration::from_secs(state.settings.login_lockout_seconds);
    let number = state.cache.increment(&key, lockout).await?;
    if number > i64::from(state.settings.login_max_failures) {
        return Err(ApiError::too_many(
            "too many failed attempts; this account is locked for a while",
            state.settings.login_lockout_seconds,
        ));
    }
    Ok(Attempt { key, number })
}

impl Attempt {
    /// The password was right: the failures are forgotten.
    pub(crate) async fn succeeded(self, state: &State) -> ApiResult<()> {
        state.cache.delete(&self.key).await?;
        Ok(())
    }

    /// Not a guess after all (the right password, the second factor still to
    /// come): the reservation is taken back, the earlier failures stay.
    pub(crate) async fn withdrawn(self, state: &State) -> ApiResult<()> {
        state.cache.decrement(&self.key).await?;
        Ok(())
    }

    /// A wrong guess: it stays counted, and each one answers more slowly,
    /// 100 ms, 200 ms, 400 ms ... up to 3.2 s.
    pub(crate) async fn failed(self) {
        let exponent = u32::try_from(self.number.clamp(1, 6) - 1).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(100 * 2_u64.pow(exponent))).await;
    }
}
