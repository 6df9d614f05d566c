//! Pages reached through the router. Each page sets its title and uses only translated text.

mod about;
mod errors;
mod home;

pub use about::About;
pub use errors::{ErrorPage, NotFound};
pub use home::Home;
