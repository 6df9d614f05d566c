//! Interface parts every page uses, whatever it is about: the form's pieces (a labelled field,
//! the refusal above a form, the submit button) and the sentences for the API's refusals.

pub mod form;
