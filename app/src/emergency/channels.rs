//! The patient's choice of which notifications also reach them (and their legal
//! representatives) by e-mail or SMS. Break-glass is shown, checked and fixed: it always goes.

use leptos::prelude::*;

use crate::api::emergency::{CHOSEN_KINDS, Channels, NotificationKind};
use crate::client;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::ui::form::FormAlert;
use leptos_i18n::I18nContext;

fn kind_label(i18n: I18nContext<Locale>, kind: NotificationKind) -> String {
    match kind {
        NotificationKind::DocumentDeposited => {
            t_string!(i18n, emergency.channel_document_deposited).to_string()
        }
        NotificationKind::FirstAccess => {
            t_string!(i18n, emergency.channel_first_access).to_string()
        }
        NotificationKind::NewDevice => t_string!(i18n, emergency.channel_new_device).to_string(),
        NotificationKind::CareHistoryUpdated => {
            t_string!(i18n, emergency.channel_care_history).to_string()
        }
        NotificationKind::EmergencyLinkViewed => {
            t_string!(i18n, emergency.channel_link_viewed).to_string()
        }
        NotificationKind::BreakGlass | NotificationKind::BreakGlassOfPatient => {
            t_string!(i18n, emergency.channel_break_glass).to_string()
        }
    }
}

#[component]
pub fn ChannelsForm(record: String) -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/notification-channels");
    let chosen = RwSignal::new(None::<Channels>);
    let form = client::Submission::new();
    let (failure, busy) = (form.failure(), form.pending());
    let saved = RwSignal::new(false);
    {
        let path = path.clone();
        Effect::new(move |_| {
            let path = path.clone();
            form.run(async move {
                chosen.set(Some(client::get::<Channels>(&path).await?));
                Ok(())
            });
        });
    }
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(channels) = chosen.get_untracked() else { return };
        let (path, csrf) = (path.clone(), csrf.clone());
        saved.set(false);
        form.run(async move {
            client::put::<_, ()>(&path, &channels, &csrf).await?;
            saved.set(true);
            Ok(())
        });
    };
    let boxes = CHOSEN_KINDS
        .into_iter()
        .map(|kind| {
            let id = format!("channel-{}", kind.code());
            view! {
                <div class="check">
                    <input
                        type="checkbox"
                        id=id.clone()
                        prop:checked=move || chosen.get().is_some_and(|c| c.sends(kind))
                        prop:disabled=move || chosen.get().is_none()
                        on:change=move |event| {
                            let on = event_target_checked(&event);
                            saved.set(false);
                            chosen.update(|c| *c = c.map(|c| c.with(kind, on)));
                        }
                    />
                    <label for=id>{kind_label(i18n, kind)}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="channels" on:submit=submit aria-labelledby="channels-heading">
            <h2 id="channels-heading">{t!(i18n, emergency.channels_heading)}</h2>
            <p class="field__hint">{t!(i18n, emergency.channels_intro)}</p>
            <FormAlert failure />
            {boxes}
            <div class="check">
                <input type="checkbox" id="channel-break_glass" checked disabled />
                <label for="channel-break_glass">
                    {kind_label(i18n, NotificationKind::BreakGlass)}
                </label>
            </div>
            <button type="submit" class="button" prop:disabled=move || busy.get() || chosen.get().is_none()>
                {t!(i18n, emergency.channels_save)}
            </button>
            {move || saved.get().then(|| view! { <p class="notice" role="status">{t!(i18n, emergency.channels_saved)}</p> })}
        </form>
    }
}
