//! The record's pages as lazily loaded routes, one chunk each: a page loads only its own code.

use super::page::{
    RecordCarePage, RecordDocumentsPage, RecordHealthPage, RecordHomePage, RecordSharingPage,
};

crate::split_route!(RecordRoute => record_page, RecordHomePage);
crate::split_route!(RecordDocumentsRoute => record_documents_page, RecordDocumentsPage);
crate::split_route!(RecordHealthRoute => record_health_page, RecordHealthPage);
crate::split_route!(RecordSharingRoute => record_sharing_page, RecordSharingPage);
crate::split_route!(RecordCareRoute => record_care_page, RecordCarePage);
