//! The professionals' pages as lazily loaded routes: patients never download their code.

use super::{ProLoginPage, ProPage, ProRecordPage};

crate::split_route!(ProLoginRoute => pro_login_page, ProLoginPage);
crate::split_route!(ProRoute => pro_page, ProPage);
crate::split_route!(ProRecordRoute => pro_record_page, ProRecordPage);
