//! The patient's share links, live or dead, with their views and wrong passcodes; a live one
//! can be revoked.

use leptos::prelude::*;

use crate::client::{self, ApiFailure, Submission};
use crate::i18n::{t, t_string, use_i18n};
use crate::summary::link::LinkInfo;

/// The list of links at `path`; revoking one goes through `revoking` and reloads `links`.
#[component]
pub fn LinkList(
    path: String,
    links: Resource<Result<Vec<LinkInfo>, ApiFailure>>,
    revoking: Submission,
) -> impl IntoView {
    let i18n = use_i18n();
    let revoke = move |id: String| {
        let (path, csrf) = (format!("{path}/{id}/revoke"), revoking.csrf());
        revoking.run(async move {
            let revoked = client::post::<_, ()>(&path, &(), Some(&csrf)).await;
            links.refetch();
            revoked.map(|_| ())
        });
    };

    move || {
        let revoke = revoke.clone();
        links.get().map(|result| {
            let list = result.unwrap_or_default();
            if list.is_empty() {
                return view! { <p>{t!(i18n, share.no_links)}</p> }.into_any();
            }
            let rows = list
                .into_iter()
                .map(|link| {
                    let revoke = revoke.clone();
                    let id = link.id.clone();
                    let state = if link.live {
                        t_string!(i18n, share.live).to_string()
                    } else {
                        t_string!(i18n, share.dead).to_string()
                    };
                    let detail = t_string!(
                        i18n,
                        share.link_detail,
                        created = crate::date::moment(link.created_at),
                        expires = crate::date::moment(link.expires_at),
                        views = link.views,
                        failures = link.failures
                    )
                    .to_string();
                    view! {
                        <li class="person">
                            <p><strong>{state}</strong>
                                {link.passcode.then(|| view! { " · " {t!(i18n, share.with_passcode)} })}
                                {link.single_use.then(|| view! { " · " {t!(i18n, share.single_use)} })}
                            </p>
                            <p class="person__detail">{detail}</p>
                            {link.live.then(|| view! {
                                <button type="button" class="button button--secondary" disabled=revoking.pending()
                                    on:click=move |_| revoke(id.clone())>{t!(i18n, share.revoke)}</button>
                            })}
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="people">{rows}</ul> }.into_any()
        })
    }
}
