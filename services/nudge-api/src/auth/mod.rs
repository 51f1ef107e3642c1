//! Accounts and sessions: sign-up, login, refresh (rotation with reuse
//! detection), logout, password change and reset, the sessions list and
//! the security events. Each file is one feature; what several of them
//! share (codes, the lock-out, re-authentication) lives in the crate's
//! helper modules, never here.

pub(crate) mod email;
pub(crate) mod login;
pub(crate) mod password_change;
pub(crate) mod reset;
pub(crate) mod sessions;
pub(crate) mod signup;
