//! Accounts' pages: sign-up, login, recovery, the account page and its forms. What they send
//! and receive is [`crate::api::account`]'s; the input checks, [`crate::api::validate`]'s.

mod code_step;
mod contact;
mod login;
#[cfg(feature = "ssr")]
pub mod messages;
mod page;
mod password;
mod records;
mod recover;
pub mod routes;
mod signup;
mod totp;

pub use login::LoginPage;
pub use page::{AccountPage, LogoutButton};
pub use recover::RecoverPage;
pub use signup::SignupPage;
