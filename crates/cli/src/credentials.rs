//! Credentials, from the environment only: a command line is visible to
//! every user through `ps`. No message here contains a value.

use runner_metrics_host::{Auth, BasicAuth};
use std::env::VarError;

/// `Authorization: Bearer <token>`.
pub const BEARER: &str = "RUNNER_METRICS_BEARER_TOKEN";
/// The basic-authentication user; needs [`PASSWORD`].
pub const USER: &str = "RUNNER_METRICS_BASIC_USER";
/// The basic-authentication password; needs [`USER`].
pub const PASSWORD: &str = "RUNNER_METRICS_BASIC_PASSWORD";
/// Every variable read here (`issue --help` lists them; a test checks).
#[cfg(test)]
pub const VARIABLES: [&str; 3] = [BEARER, USER, PASSWORD];

/// The credentials the environment sets: none, a bearer token, or a basic
/// user and password. Half a basic pair, or both kinds, is an error (an
/// empty password or a silently preferred token would fail, or succeed,
/// for the wrong reason). A variable set to the empty string is set.
pub fn from_env() -> Result<Option<Auth>, String> {
    match (var(BEARER)?, var(USER)?, var(PASSWORD)?) {
        (None, None, None) => Ok(None),
        (Some(token), None, None) => Ok(Some(Auth::Bearer(token))),
        (None, Some(user), Some(password)) => Ok(Some(Auth::Basic(BasicAuth { user, password }))),
        (None, Some(_), None) => Err(format!("{USER} is set but {PASSWORD} is not: set both")),
        (None, None, Some(_)) => Err(format!("{PASSWORD} is set but {USER} is not: set both")),
        (Some(_), _, _) => Err(format!(
            "{BEARER} and {USER}/{PASSWORD} are both set: use one kind of credentials"
        )),
    }
}

fn var(name: &str) -> Result<Option<String>, String> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}
