//! The timeline on the record pages: everything the person may read, newest first, a page at a
//! time, narrowed by the same filters as the documents (shared with the finder above it) and by
//! kind; care episodes to open, to show alone, and to tag items with.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::filter::DocumentFilter;
use crate::api::timeline::{
    CareEvent, EpisodeInfo, Happening, NewEpisode, TagRequest, TimelineItem, TimelineKind,
    TimelinePage, TimelineQuery,
};
use crate::client::{self, RecordChanged, Submission};
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::profile::view::{section_label, summary};
use crate::record::documents::category_label;
use crate::ui::MoreButton;
use crate::ui::form::FormAlert;
use leptos_i18n::I18nContext;

/// The record's care episodes the person may see, and a way to read them again. Read by the
/// browser once the page is live (they label and filter; the page's content never waits on them).
pub fn use_episodes(record: &str) -> (Signal<Vec<EpisodeInfo>>, Callback<()>) {
    let (episodes, read) =
        client::read_when_live::<Vec<EpisodeInfo>>(format!("/api/records/{record}/episodes"));
    (Signal::derive(move || episodes.get().unwrap_or_default()), read)
}

fn event_label(i18n: I18nContext<Locale>, event: CareEvent) -> String {
    match event {
        CareEvent::Vaccinated => t_string!(i18n, timeline.vaccinated),
        CareEvent::ConditionStarted => t_string!(i18n, timeline.condition_started),
        CareEvent::ConditionEnded => t_string!(i18n, timeline.condition_ended),
        CareEvent::TreatmentStarted => t_string!(i18n, timeline.treatment_started),
        CareEvent::TreatmentStopped => t_string!(i18n, timeline.treatment_stopped),
        CareEvent::Measured => t_string!(i18n, timeline.measured),
        CareEvent::DirectivesWritten => t_string!(i18n, timeline.directives_written),
    }
    .to_string()
}

/// What happened, in one line: its kind, then what it is about.
fn describe(i18n: I18nContext<Locale>, happening: &Happening) -> (String, String) {
    match happening {
        Happening::Document { document } => (
            format!(
                "{} · {}",
                t_string!(i18n, timeline.document),
                category_label(i18n, document.category)
            ),
            document.title.clone(),
        ),
        Happening::ProfileChange { entry, version, removed, .. } => {
            let change = if *removed {
                t_string!(i18n, timeline.removed).to_string()
            } else if *version == 1 {
                t_string!(i18n, timeline.added).to_string()
            } else {
                t_string!(i18n, timeline.edited, version = *version).to_string()
            };
            (format!("{} · {change}", section_label(i18n, entry.section())), summary(i18n, entry))
        }
        Happening::CareEvent { entry, event, .. } => {
            (event_label(i18n, *event), summary(i18n, entry))
        }
    }
}

fn kind_code(kind: Option<TimelineKind>) -> &'static str {
    match kind {
        None => "",
        Some(TimelineKind::Document) => "document",
        Some(TimelineKind::ProfileChange) => "profile_change",
        Some(TimelineKind::CareEvent) => "care_event",
    }
}

#[component]
pub fn TimelineSection(
    record: String,
    filter: RwSignal<DocumentFilter>,
    episodes: Signal<Vec<EpisodeInfo>>,
    episodes_changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(String::new());
    let refresh = RwSignal::new(0u32);
    let record_changed = use_context::<RecordChanged>();
    let path = format!("/api/records/{record}/timeline");
    let base = Memo::new(move |_| {
        let kind = match kind.get().as_str() {
            "document" => Some(TimelineKind::Document),
            "profile_change" => Some(TimelineKind::ProfileChange),
            "care_event" => Some(TimelineKind::CareEvent),
            _ => None,
        };
        TimelineQuery { kind, filter: filter.get(), ..Default::default() }
    });
    let first = {
        let path = path.clone();
        // The source is compared with the last one: the counters are part of it, so that a
        // change of the record reads the same address again.
        Resource::new(
            move || {
                let changed = record_changed.map(RecordChanged::count);
                (refresh.get(), changed, format!("{path}{}", base.get().query_string()))
            },
            |(_, _, uri)| client::get::<TimelinePage>(&uri),
        )
    };
    // Pages after the first, appended by "more"; forgotten when the query changes.
    let more = RwSignal::new(Vec::<TimelineItem>::new());
    let more_next = RwSignal::new(None::<Option<usize>>);
    Effect::new(move |_| {
        base.track();
        refresh.track();
        more.set(Vec::new());
        more_next.set(None);
    });
    // Reading more, and tagging or untagging: what went wrong shows above the list.
    let (reading, form) = (Submission::new(), Submission::new());
    let loading_more = reading.pending();
    let failure = {
        let (read, done) = (reading.failure(), form.failure());
        Signal::derive(move || read.get().or_else(|| done.get()))
    };
    let next = move || match more_next.get() {
        Some(next) => next,
        None => first.get().and_then(Result::ok).and_then(|page| page.next),
    };
    let load_more = {
        let path = path.clone();
        Callback::new(move |()| {
            let Some(offset) = next() else { return };
            let asked = base.get_untracked();
            let query = TimelineQuery { offset: Some(offset), ..asked.clone() };
            let uri = format!("{path}{}", query.query_string());
            reading.run(async move {
                let answer = client::get::<TimelinePage>(&uri).await;
                // An answer for another query than the one now shown belongs to no list shown.
                if base.get_untracked() != asked {
                    return Ok(());
                }
                let page = answer?;
                more.update(|items| items.extend(page.items));
                more_next.set(Some(page.next));
                Ok(())
            });
        })
    };
    let changed = Callback::new(move |()| {
        refresh.update(|n| *n += 1);
        episodes_changed.run(());
    });

    let episodes_path = format!("/api/records/{record}/episodes");
    let rows = {
        let episodes_path = episodes_path.clone();
        move || {
            first.get().map(|result| match result {
                Err(_) => view! { <p role="alert">{t!(i18n, errors.network)}</p> }.into_any(),
                Ok(page) if page.items.is_empty() => {
                    view! { <p>{t!(i18n, timeline.empty)}</p> }.into_any()
                }
                Ok(page) => {
                    let total = page.total;
                    let items: Vec<TimelineItem> =
                        page.items.into_iter().chain(more.get()).collect();
                    let shown = items.len();
                    let rows = items
                        .into_iter()
                        .map(|item| {
                            view! {
                                <TimelineRow item episodes episodes_path=episodes_path.clone() form changed />
                            }
                        })
                        .collect_view();
                    view! {
                        <p class="timeline__count" aria-live="polite">
                            {t_string!(i18n, timeline.count, shown = shown, total = total).to_string()}
                        </p>
                        <ol class="timeline">{rows}</ol>
                    }
                    .into_any()
                }
            })
        }
    };
    view! {
        <section class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t!(i18n, timeline.heading)}</h2>
            <p class="hint">{t!(i18n, timeline.filters_shared)}</p>
            <div class="field">
                <label for="timeline-kind">{t!(i18n, timeline.kind)}</label>
                <select id="timeline-kind" bind:value=kind>
                    <option value="">{t!(i18n, timeline.all_kinds)}</option>
                    {[Some(TimelineKind::Document), Some(TimelineKind::ProfileChange), Some(TimelineKind::CareEvent)]
                        .into_iter()
                        .map(|k| {
                            let label = match k {
                                Some(TimelineKind::Document) => t_string!(i18n, timeline.kind_documents),
                                Some(TimelineKind::ProfileChange) => t_string!(i18n, timeline.kind_changes),
                                _ => t_string!(i18n, timeline.kind_events),
                            };
                            view! { <option value=kind_code(k)>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <EpisodePanel episodes_path filter episodes changed />
            <FormAlert failure />
            // The button to read further reads the first page too: under the same Suspense, so
            // that the server renders it as the browser hydrates it.
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {rows}
                {move || next().map(|_| view! {
                    <MoreButton loading=loading_more label=|i18n| t_string!(i18n, timeline.more).to_string() on_click=load_more />
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TimelineRow(
    item: TimelineItem,
    episodes: Signal<Vec<EpisodeInfo>>,
    episodes_path: String,
    form: Submission,
    changed: Callback<()>,
) -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    let (what, about) = describe(i18n, &item.happening);
    let item_id = item.happening.item_id().to_owned();
    let by =
        t_string!(i18n, timeline.by, who = crate::ui::author_name(i18n, &item.author)).to_string();
    let tagged = item.episodes.clone();
    let chips = {
        let (episodes_path, csrf, item_id) = (episodes_path.clone(), csrf.clone(), item_id.clone());
        move || {
            let known = episodes.get();
            tagged
                .iter()
                .filter_map(|id| known.iter().find(|e| e.id == *id).cloned())
                .map(|episode| {
                    let uri = format!("{episodes_path}/{}/items/{item_id}/remove", episode.id);
                    let csrf = csrf.clone();
                    let remove = move |_| {
                        let (uri, csrf) = (uri.clone(), csrf.clone());
                        form.run(async move {
                            client::post::<_, ()>(&uri, &(), Some(&csrf)).await?;
                            changed.run(());
                            Ok(())
                        });
                    };
                    let label = t_string!(i18n, timeline.untag, episode = episode.title.clone()).to_string();
                    view! {
                        <li class="chip">{episode.title.clone()}
                            <button type="button" class="chip__remove" aria-label=label on:click=remove disabled=form.pending()>"×"</button>
                        </li>
                    }
                })
                .collect_view()
        }
    };
    let choice = RwSignal::new(String::new());
    let select_id = format!("tag-{}-{}", item_id, item.at);
    let about_for_tag = about.clone();
    let tag = {
        let (item_id, tagged) = (item_id.clone(), item.episodes.clone());
        move || {
            let options: Vec<EpisodeInfo> =
                episodes.get().into_iter().filter(|e| !tagged.contains(&e.id)).collect();
            (!options.is_empty()).then(|| {
                let (episodes_path, csrf, item_id) = (episodes_path.clone(), csrf.clone(), item_id.clone());
                let submit = move |event: SubmitEvent| {
                    event.prevent_default();
                    let episode = choice.get_untracked();
                    if episode.is_empty() {
                        return;
                    }
                    let uri = format!("{episodes_path}/{episode}/items");
                    let (csrf, body) = (csrf.clone(), TagRequest { item_id: item_id.clone() });
                    form.run(async move {
                        client::post::<_, ()>(&uri, &body, Some(&csrf)).await?;
                        changed.run(());
                        Ok(())
                    });
                };
                let select_id = select_id.clone();
                view! {
                    <form class="timeline__tag" on:submit=submit>
                        <label for=select_id.clone() class="visually-hidden">{t_string!(i18n, timeline.tag_label, what = about_for_tag.clone()).to_string()}</label>
                        <select id=select_id bind:value=choice>
                            <option value="">{t!(i18n, timeline.choose_episode)}</option>
                            {options.into_iter().map(|e| view! { <option value=e.id>{e.title}</option> }).collect_view()}
                        </select>
                        <button type="submit" class="button button--secondary button--small" disabled=form.pending()>{t!(i18n, timeline.tag)}</button>
                    </form>
                }
            })
        }
    };
    let about_for_list = about.clone();
    view! {
        <li class="timeline__item">
            <p class="timeline__when"><time datetime=item.date.clone()>{item.date.clone()}</time>" · "{what}</p>
            <p class="timeline__what">{about}</p>
            <p class="timeline__by">{by}</p>
            <ul class="chips" aria-label=move || t_string!(i18n, timeline.episodes_of, what = about_for_list.clone()).to_string()>{chips}</ul>
            {tag}
        </li>
    }
}

#[component]
fn EpisodePanel(
    episodes_path: String,
    filter: RwSignal<DocumentFilter>,
    episodes: Signal<Vec<EpisodeInfo>>,
    changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let title = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let create = move |event: SubmitEvent| {
        event.prevent_default();
        let body = NewEpisode { title: title.get_untracked() };
        form.post(episodes_path.clone(), body, move |_: Option<EpisodeInfo>| {
            title.set(String::new());
            changed.run(());
        });
    };
    let list = move || {
        let current = filter.with(|f| f.episode.clone());
        episodes
            .get()
            .into_iter()
            .map(|episode| {
                let id = episode.id.clone();
                let showing = current.as_deref() == Some(id.as_str());
                let toggle = move |_| {
                    let id = id.clone();
                    filter.update(|f| f.episode = if showing { None } else { Some(id) });
                };
                let count = t_string!(i18n, timeline.episode_items, count = episode.items).to_string();
                view! {
                    <li>
                        <strong>{episode.title.clone()}</strong>" · "{count}" "
                        <button type="button" class="button button--secondary button--small" on:click=toggle aria-pressed=showing.to_string()>
                            {if showing { t_string!(i18n, timeline.show_all) } else { t_string!(i18n, timeline.show_episode) }}
                            <span class="visually-hidden">" "{episode.title}</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="episodes">
            <h3>{t!(i18n, timeline.episodes)}</h3>
            <ul class="episodes__list">{list}</ul>
            <form class="episodes__new" on:submit=create>
                <div class="field">
                    <label for="episode-title">{t!(i18n, timeline.new_episode)}</label>
                    <input id="episode-title" type="text" maxlength="80" required bind:value=title />
                </div>
                <FormAlert failure />
                <button type="submit" class="button button--secondary" aria-busy=move || pending.get().to_string()>{t!(i18n, timeline.create_episode)}</button>
            </form>
        </div>
    }
}
