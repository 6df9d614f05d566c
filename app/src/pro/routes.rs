//! The professionals' pages as lazily loaded routes: patients never download their code, and
//! each page of a patient's record loads only its own.

use super::{ProLoginPage, ProPage, ProRecordCarePage, ProRecordHealthPage, ProRecordPage};

crate::split_route!(ProLoginRoute => pro_login_page, ProLoginPage);
crate::split_route!(ProRoute => pro_page, ProPage);
crate::split_route!(ProRecordRoute => pro_record_page, ProRecordPage);
crate::split_route!(ProRecordHealthRoute => pro_record_health_page, ProRecordHealthPage);
crate::split_route!(ProRecordCareRoute => pro_record_care_page, ProRecordCarePage);
