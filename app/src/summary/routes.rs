//! The sharing page as a lazily loaded route: its QR encoder and the IPS writer stay out of the
//! bundle every page loads.

use super::share::SharePage;

crate::split_route!(ShareRoute => share_page, SharePage);
