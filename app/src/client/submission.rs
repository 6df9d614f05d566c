//! A form's submission: what it sends, its progress, and the refusal it shows.

use leptos::prelude::*;

use serde::{Serialize, de::DeserializeOwned};

use super::{ApiFailure, csrf, post};

/// What a form sends, and its state while it is on its way: a Leptos [`Action`] whose
/// `pending()` drives the button's progress state and whose last value is the refusal the form
/// shows (cleared while the next try is on its way). At most one at a time: a second submit
/// while one is pending does nothing. Every form's action is of this one type (the work is its
/// input), so the bundle carries the action's code once, not once per form.
#[derive(Clone, Copy)]
pub struct Submission {
    action: Action<Work, Result<(), ApiFailure>>,
    /// The action's `pending()`, made once.
    pending: Memo<bool>,
    /// The session's CSRF token (empty before login), sent with every unsafe request.
    csrf: StoredValue<String>,
}

/// The async work one submission does; taken out once by the action that runs it.
type Work = leptos::__reexports::send_wrapper::SendWrapper<
    std::cell::Cell<Option<std::pin::Pin<Box<dyn Future<Output = Result<(), ApiFailure>>>>>>,
>;

impl Submission {
    /// A form's submission, with the CSRF token the page above provided ([`provide_csrf`]).
    pub fn new() -> Self {
        // Browser only: the work and its future never leave the thread they were made on.
        let action = Action::new_unsync(|work: &Work| {
            let work = std::cell::Cell::take(&**work);
            async move {
                match work {
                    Some(work) => work.await,
                    None => Ok(()),
                }
            }
        });
        Self { action, pending: action.pending(), csrf: StoredValue::new(csrf()) }
    }

    /// True while the request is on its way.
    pub fn pending(self) -> Signal<bool> {
        self.pending.into()
    }

    /// The last refusal, until the next try is sent.
    pub fn failure(self) -> Signal<Option<ApiFailure>> {
        let (value, pending) = (self.action.value(), self.pending);
        Signal::derive(move || {
            if pending.get() {
                return None;
            }
            value.with(|last| last.as_ref().and_then(|last| last.clone().err()))
        })
    }

    /// The session's CSRF token, for a request sent by hand within [`Submission::run`].
    pub fn csrf(self) -> String {
        self.csrf.get_value()
    }

    /// Runs `work` as this form's submission, unless one is already on its way. Its error is the
    /// refusal the form shows.
    pub fn run(self, work: impl Future<Output = Result<(), ApiFailure>> + 'static) {
        // Forms are sent from the browser only: a page the server renders sends nothing.
        if cfg!(not(feature = "hydrate")) || self.pending.get_untracked() {
            return;
        }
        let work: std::pin::Pin<Box<dyn Future<Output = _>>> = Box::pin(work);
        self.action.dispatch(leptos::__reexports::send_wrapper::SendWrapper::new(
            std::cell::Cell::new(Some(work)),
        ));
    }

    /// Takes the last refusal away (the form is being corrected). In the browser only, like
    /// [`Submission::run`]: a value set while the server renders would be dropped on another
    /// thread than its own.
    pub fn clear(self) {
        if cfg!(not(feature = "hydrate")) {
            return;
        }
        self.action.clear();
    }

    /// Shows `failure` as the form's refusal without sending anything (a check made in the
    /// browser).
    pub fn refuse(self, failure: ApiFailure) {
        self.run(std::future::ready(Err(failure)));
    }

    /// `POST path` with `body` (and the CSRF token once signed in); the server's answer handed
    /// to `on_answer`.
    pub fn post<B, R>(
        self,
        path: impl Into<String>,
        body: B,
        on_answer: impl FnOnce(Option<R>) + 'static,
    ) where
        B: Serialize + 'static,
        R: DeserializeOwned + 'static,
    {
        self.send(path.into(), body, |answer| {
            on_answer(answer);
            Ok(())
        });
    }

    /// [`Submission::post`] for an answer that must carry a body: an empty one is shown as a
    /// network failure.
    pub fn post_answered<B, R>(
        self,
        path: impl Into<String>,
        body: B,
        then: impl FnOnce(R) + 'static,
    ) where
        B: Serialize + 'static,
        R: DeserializeOwned + 'static,
    {
        self.send(path.into(), body, |answer| {
            then(answer.ok_or(ApiFailure::Network)?);
            Ok(())
        });
    }

    fn send<B, R>(
        self,
        path: String,
        body: B,
        answered: impl FnOnce(Option<R>) -> Result<(), ApiFailure> + 'static,
    ) where
        B: Serialize + 'static,
        R: DeserializeOwned + 'static,
    {
        let csrf = self.csrf();
        self.run(async move {
            let csrf = (!csrf.is_empty()).then_some(csrf.as_str());
            answered(post::<B, R>(&path, &body, csrf).await?)
        });
    }
}

impl Default for Submission {
    fn default() -> Self {
        Self::new()
    }
}
