//! The slash commands: `/fråga` and `/glöm-mig` for everyone; the FAQ and review commands
//! for staff, gated by role (`check = "staff_only"`) and answered ephemerally.

use std::fmt::Write as _;

use poise::serenity_prelude as serenity;
use serenity::{
    CreateActionRow, CreateInputText, CreateInteractionResponse, CreateModal, InputTextStyle,
};

use super::{Bot, Ctx, DB_DOWN, Error, RATE_LIMITED, form_id, render};
use crate::ratelimit::Verdict;
use crate::service::Asker;
use crate::store::{Channel, Place};

pub fn all() -> Vec<poise::Command<std::sync::Arc<Bot>, Error>> {
    vec![
        fraga(),
        glom_mig(),
        faq_sok(),
        faq_visa(),
        faq_ladda_om(),
        faq_ny(),
        faq_redigera(),
        obesvarade(),
        amnen(),
        forslag(),
        sammanfattning(),
        statistik(),
    ]
}

fn private(text: impl Into<String>) -> poise::CreateReply {
    poise::CreateReply::default()
        .content(render::content(&text.into()))
        .ephemeral(true)
        .allowed_mentions(render::no_mentions())
}

/// Staff are members with one of the configured roles; in a DM there is no role, so no.
async fn staff_only(ctx: Ctx<'_>) -> Result<bool, Error> {
    Ok(match ctx {
        poise::Context::Application(a) => ctx.data().is_staff(a.interaction.member.as_deref()),
        poise::Context::Prefix(_) => false,
    })
}

/// Ställ en fråga till kommunbot
#[poise::command(
    slash_command,
    rename = "fråga",
    name_localized("en-US", "ask"),
    name_localized("en-GB", "ask"),
    description_localized("en-US", "Ask kommunbot a question"),
    description_localized("en-GB", "Ask kommunbot a question")
)]
async fn fraga(
    ctx: Ctx<'_>,
    #[rename = "fråga"]
    #[name_localized("en-US", "question")]
    #[name_localized("en-GB", "question")]
    #[description = "Din fråga, med några ord"]
    #[description_localized("en-US", "Your question, in a few words")]
    #[description_localized("en-GB", "Your question, in a few words")]
    #[max_length = 1000]
    question: String,
) -> Result<(), Error> {
    let bot = ctx.data();
    if let Verdict::Limited { .. } = bot.rate(ctx.author().id) {
        ctx.send(private(RATE_LIMITED)).await?;
        return Ok(());
    }
    let user = ctx.author().id.to_string();
    let answered = bot.service.ask(
        &question,
        Channel::Discord,
        Place {
            guild_id: ctx.guild_id().map(|g| g.to_string()),
            channel_id: Some(ctx.channel_id().to_string()),
        },
        Some(Asker {
            platform: "discord",
            user: &user,
        }),
    );
    let r = render::reply(&answered.reply, &answered.record_id);
    // Echo the question above the answer, so a channel sees what was asked — redacted: a
    // slash command's text is otherwise private, and a personnummer must not become public.
    let shown = crate::privacy::redact(question.trim()).text;
    let asked = format!("**Din fråga:** {}", render::cut(&shown, 1500));
    ctx.send(
        poise::CreateReply::default()
            .content(asked)
            .embed(r.embed)
            .components(r.components)
            .allowed_mentions(render::no_mentions()),
    )
    .await?;
    Ok(())
}

/// Radera allt kommunbot har sparat om dina frågor
#[poise::command(
    slash_command,
    rename = "glöm-mig",
    name_localized("en-US", "forget-me"),
    name_localized("en-GB", "forget-me"),
    description_localized("en-US", "Delete everything kommunbot has stored about your questions"),
    description_localized("en-GB", "Delete everything kommunbot has stored about your questions")
)]
async fn glom_mig(ctx: Ctx<'_>) -> Result<(), Error> {
    // Forgetting waits for the log writer, which may be busy replaying a spool after an
    // outage: answer Discord at once (only the citizen sees it), fill the reply in after.
    ctx.defer_ephemeral().await?;
    let user = ctx.author().id.to_string();
    let asker = Asker {
        platform: "discord",
        user: &user,
    };
    let text = match ctx.data().service.forget(asker).await {
        Ok(0) => "Det fanns inga sparade frågor från dig. Inget att radera.".to_owned(),
        Ok(n) => format!(
            "Klart. Jag har raderat {n} {} som du har ställt, och återkopplingen på dem.",
            if n == 1 { "fråga" } else { "frågor" }
        ),
        Err(e) => {
            tracing::warn!(error = %e, "discord: forget failed");
            DB_DOWN.to_owned()
        }
    };
    ctx.send(private(text)).await?;
    Ok(())
}

async fn autocomplete_entry(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let live = ctx.data().service.live();
    let partial = partial.to_lowercase();
    let choices = live
        .faq
        .entries
        .iter()
        .filter(|e| {
            e.id.as_str().contains(&partial) || e.question.to_lowercase().contains(&partial)
        })
        .take(25)
        .map(|e| serenity::AutocompleteChoice::new(render::cut(&e.question, 100), e.id.to_string()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Sök i FAQ:n (personal)
#[poise::command(slash_command, rename = "faq-sök", check = "staff_only")]
async fn faq_sok(
    ctx: Ctx<'_>,
    #[rename = "fråga"]
    #[description = "Frågan som en invånare skulle skriva den"]
    question: String,
) -> Result<(), Error> {
    let live = ctx.data().service.live();
    let ex = live.engine.explain(&question);
    let mut out = format!("Utfall: **{}**\n", ex.outcome.kind());
    for c in ex.candidates.iter().take(5) {
        let q = live
            .faq
            .entry(c.entry.as_str())
            .map(|e| e.question.as_str())
            .unwrap_or("");
        let _ = writeln!(out, "`{:.2}` `{}` – {q}", c.score, c.entry);
    }
    if ex.candidates.is_empty() {
        out.push_str("Ingen post liknar frågan.");
    }
    ctx.send(private(out)).await?;
    Ok(())
}

/// Visa en post i FAQ:n (personal)
#[poise::command(slash_command, rename = "faq-visa", check = "staff_only")]
async fn faq_visa(
    ctx: Ctx<'_>,
    #[description = "Postens id, t.ex. snorojning/nar-plogas-min-gata"]
    #[autocomplete = "autocomplete_entry"]
    id: String,
) -> Result<(), Error> {
    let service = &ctx.data().service;
    let live = service.live();
    let Some(entry) = live.faq.entry(id.trim()) else {
        ctx.send(private(format!("Ingen post heter `{}`.", id.trim())))
            .await?;
        return Ok(());
    };
    let mut info = format!("`{}` – fil `{}`", entry.id, entry.source.display());
    if entry.draft {
        info.push_str(" (utkast, visas inte för invånare)");
    }
    if !entry.alternates.is_empty() {
        let _ = write!(
            info,
            "\nAndra formuleringar: {}",
            entry.alternates.join(" · ")
        );
    }
    let mut reply = private(info);
    if let Some(r) = service.show(entry.id.as_str(), false) {
        reply = reply.embed(render::reply(&r, "0").embed);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// Läs in FAQ:n på nytt från filerna (personal)
#[poise::command(slash_command, rename = "faq-ladda-om", check = "staff_only")]
async fn faq_ladda_om(ctx: Ctx<'_>) -> Result<(), Error> {
    let service = &ctx.data().service;
    let actor = ctx.author().id.to_string();
    let actor = Asker {
        platform: "discord",
        user: &actor,
    };
    // Reading files and building the index: off the async workers.
    let svc = service.clone();
    let reloaded = tokio::task::spawn_blocking(move || svc.reload()).await?;
    // The synced episodes too, but not before the reply: Discord waits 3 s at most.
    let svc = service.clone();
    tokio::spawn(async move { svc.refresh_episodes().await });
    let text = match reloaded {
        Ok(live) => {
            service
                .audit(
                    actor,
                    "faq.reload",
                    None,
                    &format!("{} entries", live.engine.len()),
                )
                .await;
            format!(
                "FAQ:n är inläst: {} teman, {} poster som visas.",
                live.faq.themes.len(),
                live.engine.len()
            )
        }
        Err(diags) => {
            service
                .audit(
                    actor,
                    "faq.reload.refused",
                    None,
                    &format!("{} problems", diags.len()),
                )
                .await;
            problems(
                &format!(
                    "FAQ:n har {} fel och laddades inte om. Den tidigare versionen gäller \
                     fortfarande.",
                    diags.len()
                ),
                diags.iter().map(ToString::to_string),
            )
        }
    };
    ctx.send(private(text)).await?;
    Ok(())
}

/// A heading and as many lines as fit in one message, in a code block, then "… och N till".
fn problems(heading: &str, lines: impl Iterator<Item = String>) -> String {
    let lines: Vec<String> = lines.collect();
    let mut out = format!("{heading}\n```\n");
    let mut shown = 0;
    for l in &lines {
        if out.len() + l.len() + 40 > render::MAX_CONTENT {
            break;
        }
        out.push_str(l);
        out.push('\n');
        shown += 1;
    }
    out.push_str("```");
    if shown < lines.len() {
        let _ = write!(out, "\n… och {} till.", lines.len() - shown);
    }
    out
}

fn form(
    custom_id: String,
    title: &str,
    theme: &str,
    question: &str,
    alternates: &str,
    answer: &str,
) -> CreateModal {
    let input = |style, label: &str, id: &str, value: &str, max: u16| {
        let mut t = CreateInputText::new(style, label, id).max_length(max);
        if !value.is_empty() {
            t = t.value(value);
        }
        CreateActionRow::InputText(t)
    };
    CreateModal::new(custom_id, title).components(vec![
        input(
            InputTextStyle::Short,
            "Tema (mappens namn)",
            "theme",
            theme,
            60,
        ),
        input(InputTextStyle::Short, "Fråga", "question", question, 300),
        input(
            InputTextStyle::Paragraph,
            "Andra formuleringar (en per rad)",
            "alternates",
            alternates,
            4000,
        )
        .into_optional(),
        input(
            InputTextStyle::Paragraph,
            "Svar (Markdown)",
            "answer",
            answer,
            4000,
        ),
    ])
}

trait Optional {
    fn into_optional(self) -> Self;
}

impl Optional for CreateActionRow {
    fn into_optional(self) -> Self {
        match self {
            CreateActionRow::InputText(t) => CreateActionRow::InputText(t.required(false)),
            other => other,
        }
    }
}

async fn open_form(ctx: Ctx<'_>, modal: CreateModal) -> Result<(), Error> {
    let poise::Context::Application(a) = ctx else {
        return Ok(());
    };
    a.interaction
        .create_response(ctx.http(), CreateInteractionResponse::Modal(modal))
        .await?;
    Ok(())
}

/// Lägg till en ny post i FAQ:n (personal)
#[poise::command(slash_command, rename = "faq-ny", check = "staff_only")]
async fn faq_ny(
    ctx: Ctx<'_>,
    #[description = "Temats mapp, t.ex. bygglov"] tema: Option<String>,
) -> Result<(), Error> {
    let modal = form(
        form_id(None),
        "Ny fråga i FAQ:n",
        tema.as_deref().unwrap_or(""),
        "",
        "",
        "",
    );
    open_form(ctx, modal).await
}

/// Ändra en post i FAQ:n (personal)
#[poise::command(slash_command, rename = "faq-redigera", check = "staff_only")]
async fn faq_redigera(
    ctx: Ctx<'_>,
    #[description = "Postens id, t.ex. snorojning/nar-plogas-min-gata"]
    #[autocomplete = "autocomplete_entry"]
    id: String,
) -> Result<(), Error> {
    let live = ctx.data().service.live();
    let Some(e) = live.faq.entry(id.trim()) else {
        ctx.send(private(format!("Ingen post heter `{}`.", id.trim())))
            .await?;
        return Ok(());
    };
    let custom_id = form_id(Some(e.id.as_str()));
    if custom_id.len() > 100 || e.answer.chars().count() > 4000 {
        ctx.send(private(format!(
            "Posten `{}` är för lång för formuläret i Discord. Redigera filen `{}` direkt.",
            e.id,
            e.source.display()
        )))
        .await?;
        return Ok(());
    }
    let modal = form(
        custom_id,
        "Ändra fråga i FAQ:n",
        e.theme.as_str(),
        &e.question,
        &e.alternates.join("\n"),
        &e.answer,
    );
    open_form(ctx, modal).await
}

/// A staff view of what the question log says (topics, suggestions, the digest), or the
/// "database is down" reply when it cannot be read.
fn staff_view<T>(
    data: Result<T, crate::service::ServiceError>,
    what: &str,
    render: impl FnOnce(&T) -> (String, Vec<CreateActionRow>),
) -> poise::CreateReply {
    match data {
        Ok(d) => {
            let (text, rows) = render(&d);
            private(text).components(rows)
        }
        Err(e) => {
            tracing::warn!(error = %e, what, "discord: the question log cannot be read");
            private(DB_DOWN)
        }
    }
}

/// Kandidatämnen: obesvarade frågor grupperade efter efterfrågan (personal)
#[poise::command(slash_command, rename = "ämnen", check = "staff_only")]
async fn amnen(
    ctx: Ctx<'_>,
    #[description = "Hur många dagar bakåt (standard 90)"]
    #[min = 1]
    #[max = 730]
    dagar: Option<u32>,
) -> Result<(), Error> {
    let query = crate::topics::Query {
        since_ms: crate::store::now_ms() - i64::from(dagar.unwrap_or(90)) * 86_400_000,
        min_size: 2,
        theme: None,
        limit: 5,
        regroup: false,
        status: None,
    };
    let report = ctx.data().service.topics(&query).await;
    ctx.send(staff_view(report, "topics", render::topics))
        .await?;
    Ok(())
}

/// Förslag på nya formuleringar, från hur invånarna faktiskt frågar (personal)
#[poise::command(slash_command, rename = "förslag", check = "staff_only")]
async fn forslag(ctx: Ctx<'_>) -> Result<(), Error> {
    let list = ctx.data().service.suggestions().await;
    ctx.send(staff_view(list, "suggestions", |l| render::suggestions(l)))
        .await?;
    Ok(())
}

/// Veckans sammanfattning: frågor, svarsandel, nya ämnen, svar som inte hjälpte (personal)
#[poise::command(slash_command, rename = "sammanfattning", check = "staff_only")]
async fn sammanfattning(
    ctx: Ctx<'_>,
    #[description = "Hur många dagar bakåt (standard 7)"]
    #[min = 1]
    #[max = 365]
    dagar: Option<u32>,
) -> Result<(), Error> {
    let digest = ctx
        .data()
        .service
        .digest(i64::from(dagar.unwrap_or(7)))
        .await;
    let view = |d: &_| (crate::topics::digest::render(d), Vec::new());
    ctx.send(staff_view(digest, "digest", view)).await?;
    Ok(())
}

/// Frågor som boten inte kunde svara på, och svar som inte hjälpte (personal)
#[poise::command(slash_command, rename = "obesvarade", check = "staff_only")]
async fn obesvarade(
    ctx: Ctx<'_>,
    #[description = "Hur många dagar bakåt (standard 7)"]
    #[min = 1]
    #[max = 365]
    dagar: Option<u32>,
) -> Result<(), Error> {
    let days = i64::from(dagar.unwrap_or(7));
    let since = crate::store::now_ms() - days * 86_400_000;
    let rows = match ctx.data().service.store() {
        Ok(s) => s.needs_review(since, 25).await.map_err(Into::into),
        Err(e) => Err(e),
    };
    let text = match rows {
        Ok(rows) if rows.is_empty() => format!("Inga obesvarade frågor de senaste {days} dagarna."),
        Ok(rows) => problems(
            &format!("Senaste obesvarade frågorna ({days} dagar, nyast först):"),
            rows.iter().map(|r| {
                let why = match r.feedback.as_deref() {
                    Some("not_helpful") => "hjälpte inte",
                    Some("none_of_these") => "inget förslag passade",
                    _ => "inget svar",
                };
                format!(
                    "{} · {why} · {} · {}",
                    crate::logview::datetime(r.asked_at),
                    r.theme.as_deref().unwrap_or("-"),
                    render::cut(&r.text, 200)
                )
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "discord: review list failed");
            DB_DOWN.to_owned()
        }
    };
    ctx.send(private(text)).await?;
    Ok(())
}

/// Statistik över frågorna (personal)
#[poise::command(slash_command, rename = "statistik", check = "staff_only")]
async fn statistik(
    ctx: Ctx<'_>,
    #[description = "Hur många dagar bakåt (standard 30)"]
    #[min = 1]
    #[max = 365]
    dagar: Option<u32>,
) -> Result<(), Error> {
    let days = i64::from(dagar.unwrap_or(30));
    let since = crate::store::now_ms() - days * 86_400_000;
    let stats = match ctx.data().service.store() {
        Ok(s) => s.stats(since).await.map_err(Into::into),
        Err(e) => Err(e),
    };
    let text = match stats {
        Ok(st) => format!("```\n{}```", crate::logview::stats(&st, days * 86_400_000)),
        Err(e) => {
            tracing::warn!(error = %e, "discord: stats failed");
            DB_DOWN.to_owned()
        }
    };
    ctx.send(private(text)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_swedish_name_and_a_short_description() {
        for c in all() {
            assert!(c.name.chars().count() <= 32, "{}", c.name);
            let d = c.description.as_deref().unwrap_or("");
            assert!(!d.is_empty() && d.chars().count() <= 100, "{}: {d}", c.name);
        }
        let names: Vec<String> = all().iter().map(|c| c.name.to_string()).collect();
        assert!(names.contains(&"fråga".to_string()));
        assert!(names.contains(&"glöm-mig".to_string()));
    }

    #[test]
    fn ask_is_localised_to_english() {
        let c = all().into_iter().find(|c| c.name == "fråga").unwrap();
        assert!(
            c.name_localizations
                .iter()
                .any(|(locale, name)| locale == "en-US" && name == "ask")
        );
    }

    #[test]
    fn a_long_problem_list_fits_one_message() {
        let text = problems("Fel:", (0..500).map(|i| format!("faq/x/{i}.md:3: broken")));
        assert!(text.chars().count() <= render::MAX_CONTENT);
        assert!(text.contains("```\nfaq/x/0.md:3: broken"));
        assert!(text.ends_with("till."), "{text}");
    }

    #[test]
    fn the_refusal_points_citizens_to_fraga() {
        assert!(super::super::STAFF_ONLY.contains("/fråga"));
    }
}
