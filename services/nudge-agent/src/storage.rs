//! What a feature needs to read and write a person's sealed rows.

use nudge_store::Db;

use crate::error::AgentError;

/// The database and the person keys, rather than the whole
/// [`Core`](crate::state::Core): the smallest context, inside every other one.
pub(crate) struct Storage<'a> {
    pub(crate) db: &'a Db,
    pub(crate) keys: &'a nudge_store::PersonKeys,
}

impl Storage<'_> {
    /// What reads the person's sealed values: their key (cached for a few
    /// minutes), or none once they were erased.
    pub(crate) async fn reader(&self, user_id: &str) -> Result<nudge_secure::PersonReader, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(self.keys.for_reading(&mut conn, user_id).await?)
    }

    /// What seals the person's values: their key, made the first time.
    pub(crate) async fn cipher(&self, user_id: &str) -> Result<nudge_secure::PersonCipher, AgentError> {
        let mut conn = self.db.conn().await?;
        Ok(self.keys.for_writing(&mut conn, user_id).await?)
    }
}
