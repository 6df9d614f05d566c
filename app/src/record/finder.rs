//! The filters above a record's documents: words of the title, category (with how many the
//! person may read), author, period of care. They narrow the list the server sends; the server
//! applies the same filter after the access policy.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::client;
use crate::i18n::{t, t_string, use_i18n};
use crate::{
    api::filter::DocumentFilter,
    api::record::{AuthorInfo, CategoryCount, DocumentInfo},
    api::timeline::EpisodeInfo,
    record::documents::category_label,
    vocabulary::Category,
};

#[component]
pub fn DocumentFinder(
    record: String,
    filter: RwSignal<DocumentFilter>,
    /// The documents shown now, from which the author choices are gathered.
    #[prop(into)]
    shown: Signal<Vec<DocumentInfo>>,
    /// The care episodes to choose from.
    episodes: Signal<Vec<EpisodeInfo>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let counts = {
        let path = format!("/api/records/{record}/documents/counts");
        // They fill a choice behind "more filters": read once the page is live.
        client::read_when_live::<Vec<CategoryCount>>(path).0
    };
    let q = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let author = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let episode = RwSignal::new(String::new());
    // The episode may also be chosen from the timeline's list of episodes.
    Effect::new(move |_| episode.set(filter.with(|f| f.episode.clone()).unwrap_or_default()));
    // Authors met so far (kept when a filter hides some of them).
    let authors = RwSignal::new(Vec::<(String, String)>::new());
    Effect::new(move |_| {
        let list = shown.get();
        authors.update(|known| {
            for document in &list {
                let (code, name) = match &document.author {
                    AuthorInfo::Patient => {
                        ("patient".to_owned(), t_string!(i18n, record.by_patient).to_string())
                    }
                    AuthorInfo::Insurer => {
                        ("insurer".to_owned(), t_string!(i18n, record.by_insurer).to_string())
                    }
                    AuthorInfo::Professional { rpps, name } => (rpps.clone(), name.clone()),
                };
                if !known.iter().any(|(c, _)| *c == code) {
                    known.push((code, name));
                }
            }
        });
    });

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let text = |signal: RwSignal<String>| {
            Some(signal.get_untracked()).filter(|v| !v.trim().is_empty())
        };
        filter.set(DocumentFilter {
            category: serde_json::from_value::<Category>(serde_json::Value::String(
                category.get_untracked(),
            ))
            .ok(),
            author: text(author),
            from: text(from),
            to: text(to),
            q: text(q),
            episode: text(episode),
        });
    };
    let reset = move |_| {
        for signal in [q, category, author, from, to, episode] {
            signal.set(String::new());
        }
        filter.set(DocumentFilter::default());
    };
    let options = move || {
        let counts = counts.get().unwrap_or_default();
        counts
            .into_iter()
            .map(|c| {
                let code = serde_json::to_value(c.category)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let label = format!("{} ({})", category_label(i18n, c.category), c.count);
                view! { <option value=code>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <form class="finder" on:submit=submit role="search" aria-label=move || t_string!(i18n, finder.label).to_string()>
            <div class="field">
                <label for="finder-q">{t!(i18n, finder.words)}</label>
                <input id="finder-q" type="search" maxlength="100" autocomplete="off" bind:value=q />
            </div>
            // The rarer filters behind one control, so the list starts high on a phone.
            <details class="finder__more">
                <summary>{t!(i18n, finder.more)}</summary>
                <div class="finder__row">
                    <div class="field">
                        <label for="finder-category">{t!(i18n, finder.category)}</label>
                        <select id="finder-category" bind:value=category>
                            <option value="">{t!(i18n, finder.all_categories)}</option>
                            {options}
                        </select>
                    </div>
                    <div class="field">
                        <label for="finder-author">{t!(i18n, finder.author)}</label>
                        <select id="finder-author" bind:value=author>
                            <option value="">{t!(i18n, finder.all_authors)}</option>
                            {move || authors.get().into_iter().map(|(code, name)| view! { <option value=code>{name}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                {move || (!episodes.get().is_empty()).then(|| view! {
                    <div class="field">
                        <label for="finder-episode">{t!(i18n, finder.episode)}</label>
                        <select id="finder-episode" bind:value=episode>
                            <option value="">{t!(i18n, finder.all_episodes)}</option>
                            {episodes.get().into_iter().map(|e| view! { <option value=e.id>{e.title}</option> }).collect_view()}
                        </select>
                    </div>
                })}
                <div class="finder__row">
                    <div class="field">
                        <label for="finder-from">{t!(i18n, finder.from)}</label>
                        <input id="finder-from" type="date" bind:value=from />
                    </div>
                    <div class="field">
                        <label for="finder-to">{t!(i18n, finder.to)}</label>
                        <input id="finder-to" type="date" bind:value=to />
                    </div>
                </div>
            </details>
            <div class="actions">
                <button type="submit" class="button">{t!(i18n, finder.apply)}</button>
                <button type="button" class="button button--secondary" on:click=reset>{t!(i18n, finder.reset)}</button>
            </div>
        </form>
    }
}
