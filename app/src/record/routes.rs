//! The record pages as lazily loaded routes.

use super::page::RecordPage;

crate::split_route!(RecordRoute => record_page, RecordPage);
