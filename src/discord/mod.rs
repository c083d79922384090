//! The Discord adapter: the only code in the crate that names serenity or poise types.
//!
//! It turns Discord events into [`Service`] calls and lays the replies out with
//! [`render`]. Citizens ask in configured question channels, by mentioning the bot, in
//! direct messages or with `/fråga`; they answer "Menade du…?" and give feedback with
//! buttons. Staff (by role) search, show, reload and edit the FAQ and read what the bot
//! could not answer, all in ephemeral replies.
//!
//! Every button and modal carries what it needs in its custom id ([`render::Action`]), so
//! nothing is kept in memory between a reply and a click: a restart or a second bot process
//! handles the click just as well. Every message is sent with empty `allowed_mentions`.
//! Errors from Discord (missing permissions, an unknown channel) are logged and survived.

mod commands;
pub mod render;

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateActionRow, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, FullEvent, GatewayIntents,
    InputTextStyle, Interaction, Member, Message, ModalInteraction, UserId,
};
use tokio::sync::watch;

use crate::config::DiscordSettings;
use crate::faq::edit::{Edit, EntryDraft};
use crate::ratelimit::{RateLimiter, Verdict};
use crate::service::{Asker, DiscordState, Service};
use crate::store::{Channel, Feedback, Place};
use render::Action;

/// What every handler shares.
pub struct Bot {
    pub service: Arc<Service>,
    pub settings: DiscordSettings,
    limiter: RateLimiter<u64>,
}

type Error = anyhow::Error;
type Ctx<'a> = poise::Context<'a, Arc<Bot>, Error>;

pub const RATE_LIMITED: &str = "Du har ställt många frågor på kort tid. Vänta en liten stund \
                                och fråga sedan igen – jag svarar gärna då.";
pub const STAFF_ONLY: &str = "Det här kommandot är till för kommunvägledare och personal på \
                              kommuncenter. Har du en fråga? Använd /fråga.";
const DB_DOWN: &str = "Det gick inte just nu eftersom frågeloggen inte svarar. Försök igen om en \
                       stund, eller kontakta kommuncenter.";

impl Bot {
    pub fn new(service: Arc<Service>, settings: DiscordSettings) -> Self {
        let limiter = RateLimiter::new(settings.rate_limit_questions, settings.rate_limit_window);
        Self {
            service,
            settings,
            limiter,
        }
    }

    fn is_staff(&self, member: Option<&Member>) -> bool {
        member.is_some_and(|m| {
            m.roles
                .iter()
                .any(|r| self.settings.staff_roles.contains(&r.get()))
        })
    }

    fn rate(&self, user: UserId) -> Verdict {
        self.limiter.check(&user.get(), Instant::now())
    }
}

/// Connects to Discord and handles events until `shutdown` turns true.
pub async fn run(
    service: Arc<Service>,
    settings: DiscordSettings,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut http = serenity::HttpBuilder::new(settings.token.expose());
    if let Some(base) = &settings.api_base {
        // The rate limiter must be off for `proxy` to take effect (serenity 0.12).
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let http = http.build();
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let register = settings.register_commands;
    let digest = DigestSchedule {
        channel: settings.digest_channel,
        weekday: settings.digest_weekday,
        hour: settings.digest_hour,
    };
    service.set_discord(DiscordState::Connecting);
    let bot = Arc::new(Bot::new(service.clone(), settings));
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            event_handler: |ctx, event| Box::pin(on_event(ctx, event)),
            on_error: |err| Box::pin(on_error(err)),
            allowed_mentions: Some(render::no_mentions()),
            ..Default::default()
        })
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                tracing::info!(
                    guilds = ready.guilds.len(),
                    bot = %ready.user.id,
                    "discord: connected"
                );
                bot.service.set_discord(DiscordState::Connected);
                if register
                    && let Err(e) =
                        poise::builtins::register_globally(ctx, &framework.options().commands).await
                {
                    // The bot still answers messages; commands wait for the next start.
                    tracing::error!(error = %e, "discord: cannot register the slash commands");
                }
                Ok(bot)
            })
        })
        .build();
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .context("cannot start the discord client")?;
    if let Some(channel) = digest.channel {
        tokio::spawn(digest_loop(
            client.http.clone(),
            service.clone(),
            channel,
            digest,
            shutdown.clone(),
        ));
    }
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
        tracing::info!("discord: disconnecting");
        shards.shutdown_all().await;
    });
    let result = client
        .start()
        .await
        .context("the discord connection ended with an error");
    service.set_discord(match &result {
        Ok(()) => DiscordState::Off,
        Err(e) => DiscordState::Failed(format!("{e:#}")),
    });
    result
}

#[derive(Debug, Clone, Copy)]
struct DigestSchedule {
    channel: Option<u64>,
    weekday: u8,
    hour: u8,
}

/// Posts the weekly digest to the staff channel. With several bot processes on one
/// database, the audit table says whether another process already posted this week.
async fn digest_loop(
    http: Arc<serenity::Http>,
    service: Arc<Service>,
    channel: u64,
    when: DigestSchedule,
    mut shutdown: watch::Receiver<bool>,
) {
    use crate::topics::digest;
    loop {
        let now = crate::store::now_ms();
        let at = digest::next_at(now, when.weekday, when.hour);
        let wait = std::time::Duration::from_millis((at - now).max(0) as u64);
        tracing::info!(
            in_hours = wait.as_secs() / 3600,
            "discord: next weekly digest"
        );
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let already = match service.store() {
            Ok(s) => s
                .last_audit_at("digest.sent")
                .await
                .ok()
                .flatten()
                .is_some_and(|t| crate::store::now_ms() - t < 6 * 86_400_000),
            Err(_) => false,
        };
        if already {
            continue;
        }
        let text = match service.digest(7).await {
            Ok(d) => digest::render(&d),
            Err(e) => {
                tracing::warn!(error = %e, "discord: no weekly digest this time");
                continue;
            }
        };
        let sent = serenity::ChannelId::new(channel)
            .send_message(
                &http,
                CreateMessage::new()
                    .content(render::content(&text))
                    .allowed_mentions(render::no_mentions()),
            )
            .await;
        match sent {
            Ok(_) => {
                let bot = Asker {
                    platform: "discord",
                    user: "kommunbot",
                };
                service
                    .audit(bot, "digest.sent", Some(&channel.to_string()), "weekly")
                    .await;
            }
            Err(e) => tracing::warn!(error = %e, "discord: cannot post the weekly digest"),
        }
    }
}

async fn on_error(err: poise::FrameworkError<'_, Arc<Bot>, Error>) {
    match err {
        poise::FrameworkError::CommandCheckFailed { ctx, .. } => {
            tracing::info!(command = %ctx.command().name, "discord: staff command refused");
            let reply = poise::CreateReply::default()
                .content(STAFF_ONLY)
                .ephemeral(true)
                .allowed_mentions(render::no_mentions());
            if let Err(e) = ctx.send(reply).await {
                tracing::warn!(error = %e, "discord: cannot send a refusal");
            }
        }
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().name, error = %format!("{error:#}"), "discord: command failed");
            let reply = poise::CreateReply::default()
                .content(
                    "Något gick fel hos mig. Försök igen om en stund, eller kontakta kommuncenter.",
                )
                .ephemeral(true)
                .allowed_mentions(render::no_mentions());
            let _ = ctx.send(reply).await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "discord: error while handling an error");
            }
        }
    }
}

async fn on_event(
    fctx: poise::FrameworkContext<'_, Arc<Bot>, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let ctx = fctx.serenity_context;
    let bot = fctx.user_data;
    bot.service.metrics.discord_event(event.snake_case_name());
    match event {
        FullEvent::Message { new_message } => {
            on_message(ctx, bot, fctx.bot_id, new_message).await;
        }
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(ci),
        } => on_component(ctx, bot, ci).await,
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(mi),
        } => on_modal(ctx, bot, mi).await,
        _ => {}
    }
    Ok(())
}

/// The message with the bot's mention taken out ("<@123> när plogas…" → "när plogas…").
fn strip_mention(content: &str, me: UserId) -> String {
    content
        .replace(&format!("<@{me}>"), " ")
        .replace(&format!("<@!{me}>"), " ")
        .trim()
        .to_owned()
}

#[tracing::instrument(skip_all, fields(channel = %msg.channel_id, guild = ?msg.guild_id.map(|g| g.get())))]
async fn on_message(ctx: &serenity::Context, bot: &Bot, me: UserId, msg: &Message) {
    if msg.author.bot || msg.webhook_id.is_some() || msg.author.id == me {
        return;
    }
    let dm = msg.guild_id.is_none();
    let mentioned = msg.mentions.iter().any(|u| u.id == me);
    let in_question_channel = bot
        .settings
        .question_channels
        .contains(&msg.channel_id.get());
    if !(dm || mentioned || in_question_channel) {
        return;
    }
    let question = strip_mention(&msg.content, me);
    if question.is_empty() && !mentioned {
        // An image or a sticker alone: nothing to answer.
        return;
    }
    let send = |m: CreateMessage| async move {
        let m = m
            .reference_message(msg)
            .allowed_mentions(render::no_mentions());
        if let Err(e) = msg.channel_id.send_message(&ctx.http, m).await {
            tracing::warn!(error = %e, "discord: cannot send a reply");
        }
    };
    match bot.rate(msg.author.id) {
        Verdict::Allowed => {}
        Verdict::Limited { tell } => {
            tracing::info!(told = tell, "discord: rate limited");
            if tell {
                send(CreateMessage::new().content(RATE_LIMITED)).await;
            }
            return;
        }
    }
    let user = msg.author.id.to_string();
    let answered = bot.service.ask(
        &question,
        Channel::Discord,
        Place {
            guild_id: msg.guild_id.map(|g| g.to_string()),
            channel_id: Some(msg.channel_id.to_string()),
        },
        Some(Asker {
            platform: "discord",
            user: &user,
        }),
    );
    let r = render::reply(&answered.reply, &answered.record_id);
    send(CreateMessage::new().embed(r.embed).components(r.components)).await;
}

fn ephemeral(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(render::content(text))
            .ephemeral(true)
            .allowed_mentions(render::no_mentions()),
    )
}

/// Stores feedback; a database problem is logged, and the citizen still gets their answer.
async fn feedback(bot: &Bot, record: &str, kind: Feedback, entry: Option<&str>) {
    if let Err(e) = bot.service.feedback(record, kind, entry).await {
        tracing::warn!(error = %e, kind = kind.as_str(), "discord: feedback not stored");
    }
}

#[tracing::instrument(skip_all, fields(interaction = %ci.id))]
async fn on_component(ctx: &serenity::Context, bot: &Bot, ci: &ComponentInteraction) {
    let Some(action) = Action::parse(&ci.data.custom_id) else {
        tracing::debug!("discord: a button that is not ours");
        return;
    };
    let texts = &bot.service.texts;
    let response = match &action {
        Action::Helpful(rid, en) => {
            feedback(bot, rid, Feedback::Helpful, None).await;
            ephemeral(if *en {
                "Thank you! Good that the answer helped."
            } else {
                "Tack! Skönt att svaret hjälpte."
            })
        }
        Action::NotHelpful(rid, false) => {
            feedback(bot, rid, Feedback::NotHelpful, None).await;
            ephemeral(&format!(
                "Tack för att du säger till. Frågan markeras så att kommuncenter kan se över \
                 svaret.\n\n{}",
                texts.contact
            ))
        }
        Action::NotHelpful(rid, true) => {
            feedback(bot, rid, Feedback::NotHelpful, None).await;
            ephemeral(&format!(
                "Thank you for telling us. The question is marked so the service centre can \
                 review the answer.\n\n{}",
                texts.contact_en
            ))
        }
        Action::Pick(rid, hash, en) => {
            let live = bot.service.live();
            let entry = live
                .faq
                .served()
                .find(|e| render::entry_hash(e.id.as_str()) == *hash)
                .map(|e| e.id.to_string());
            match entry.as_deref().and_then(|id| bot.service.show(id, *en)) {
                Some(reply) => {
                    feedback(bot, rid, Feedback::Chosen, entry.as_deref()).await;
                    let r = render::reply(&reply, rid);
                    CreateInteractionResponse::UpdateMessage(
                        CreateInteractionResponseMessage::new()
                            .embed(r.embed)
                            .components(r.components)
                            .allowed_mentions(render::no_mentions()),
                    )
                }
                None => ephemeral(
                    "Det svaret finns inte längre i FAQ:n. Ställ gärna frågan igen med andra ord.",
                ),
            }
        }
        Action::Topic(..) | Action::Suggestion(..) if !bot.is_staff(ci.member.as_ref()) => {
            ephemeral("Det här är bara för kommuncenters personal.")
        }
        Action::Topic(id, status) if status == "covered" => {
            let field = |id: &str, label: &str, style, max| {
                CreateActionRow::InputText(
                    CreateInputText::new(style, label, id)
                        .required(false)
                        .max_length(max),
                )
            };
            CreateInteractionResponse::Modal(
                CreateModal::new(format!("kb:topicform:{id}"), format!("Ämne #{id} är täckt"))
                    .components(vec![
                        field("episode", "Avsnittets id", InputTextStyle::Short, 200),
                        field(
                            "entries",
                            "FAQ-poster (tema/post), en per rad",
                            InputTextStyle::Paragraph,
                            1000,
                        ),
                    ]),
            )
        }
        Action::Topic(id, status) => {
            let actor = ci.user.id.to_string();
            let actor = Asker {
                platform: "discord",
                user: &actor,
            };
            match bot.service.mark_topic(actor, *id, status, None, &[]).await {
                Ok(true) => ephemeral(&format!(
                    "Ämne #{id} är nu {}.",
                    crate::topics::status_sv(status)
                )),
                Ok(false) => ephemeral(&format!("Ämne #{id} finns inte längre.")),
                Err(e) => {
                    tracing::warn!(error = %e, "discord: cannot mark a topic");
                    ephemeral(DB_DOWN)
                }
            }
        }
        Action::Suggestion(id, accept) => {
            let actor = ci.user.id.to_string();
            let actor = Asker {
                platform: "discord",
                user: &actor,
            };
            match bot.service.decide_suggestion(actor, id, *accept).await {
                Ok(Some(s)) if *accept => ephemeral(&format!(
                    "\"{}\" är nu en formulering i `{}`.",
                    s.phrasing, s.entry
                )),
                Ok(Some(_)) => ephemeral("Förslaget är avvisat och visas inte igen."),
                Ok(None) => ephemeral("Förslaget är redan hanterat."),
                Err(e) => {
                    tracing::warn!(error = %e, "discord: cannot decide a suggestion");
                    ephemeral(&format!("Det gick inte: {e}"))
                }
            }
        }
        Action::NoneOfThese(rid, en) => {
            feedback(bot, rid, Feedback::NoneOfThese, None).await;
            let mut reply = bot.service.no_answer();
            if *en {
                reply = reply.in_english(texts);
            }
            let r = render::reply(&reply, rid);
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .embed(r.embed)
                    .components(Vec::new())
                    .allowed_mentions(render::no_mentions()),
            )
        }
    };
    if let Err(e) = ci.create_response(&ctx.http, response).await {
        tracing::warn!(error = %e, "discord: cannot answer a button");
    }
}

/// The custom id of the add/edit form: `kb:faq:new` or `kb:faq:edit:<entry id>`.
pub fn form_id(entry: Option<&str>) -> String {
    match entry {
        None => "kb:faq:new".into(),
        Some(id) => format!("kb:faq:edit:{id}"),
    }
}

#[tracing::instrument(skip_all, fields(interaction = %mi.id))]
/// The values of a submitted form's text fields.
fn form_field(mi: &ModalInteraction, name: &str) -> String {
    mi.data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(t) if t.custom_id == name => {
                Some(t.value.clone().unwrap_or_default())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The "covered" form of `/ämnen`: which episode and/or entries cover the topic.
async fn on_topic_form(bot: &Bot, mi: &ModalInteraction, id: i64) -> String {
    let episode = form_field(mi, "episode").trim().to_owned();
    let entries: Vec<String> = form_field(mi, "entries")
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    if episode.is_empty() && entries.is_empty() {
        return "Skriv avsnittets id eller minst en FAQ-post som täcker ämnet.".into();
    }
    let live = bot.service.live();
    if let Some(bad) = entries.iter().find(|e| live.faq.entry(e).is_none()) {
        return format!(
            "Posten `{bad}` finns inte. Skriv id:t som tema/post, t.ex. snorojning/nar-plogas-min-gata."
        );
    }
    let catalogue = bot.service.catalogue();
    if !episode.is_empty() && !catalogue.episodes().iter().any(|k| k.id == episode) {
        return format!(
            "Avsnittet `{episode}` finns inte. Skriv id:t som `kommunbot episodes list` visar det."
        );
    }
    let actor = mi.user.id.to_string();
    let actor = Asker {
        platform: "discord",
        user: &actor,
    };
    let episode = (!episode.is_empty()).then_some(episode.as_str());
    match bot
        .service
        .mark_topic(actor, id, "covered", episode, &entries)
        .await
    {
        Ok(true) => format!(
            "Ämne #{id} är nu täckt. Nya frågor om det visas under \"Täckta men frågas ändå\"."
        ),
        Ok(false) => format!("Ämne #{id} finns inte längre."),
        Err(e) => {
            tracing::warn!(error = %e, "discord: cannot mark a topic covered");
            DB_DOWN.into()
        }
    }
}

async fn on_modal(ctx: &serenity::Context, bot: &Bot, mi: &ModalInteraction) {
    if let Some(id) = mi
        .data
        .custom_id
        .strip_prefix("kb:topicform:")
        .and_then(|id| id.parse::<i64>().ok())
    {
        let text = if bot.is_staff(mi.member.as_ref()) {
            on_topic_form(bot, mi, id).await
        } else {
            STAFF_ONLY.into()
        };
        if let Err(e) = mi.create_response(&ctx.http, ephemeral(&text)).await {
            tracing::warn!(error = %e, "discord: cannot answer a form");
        }
        return;
    }
    let Some(rest) = mi.data.custom_id.strip_prefix("kb:faq:") else {
        return;
    };
    let respond = |text: String| async move {
        if let Err(e) = mi.create_response(&ctx.http, ephemeral(&text)).await {
            tracing::warn!(error = %e, "discord: cannot answer a form");
        }
    };
    if !bot.is_staff(mi.member.as_ref()) {
        tracing::info!("discord: faq form from a non-staff user refused");
        respond(STAFF_ONLY.into()).await;
        return;
    }
    let field = |name: &str| form_field(mi, name);
    let draft = EntryDraft {
        theme: field("theme").trim().to_owned(),
        question: field("question").trim().to_owned(),
        alternates: field("alternates")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        // The form has no English field: an edit leaves them as they are.
        alternates_en: None,
        answer: field("answer"),
        draft: false,
    };
    let change = match rest.strip_prefix("edit:") {
        Some(id) => Edit::Update {
            id: id.to_owned(),
            draft,
        },
        None if rest == "new" => Edit::Create(draft),
        None => return,
    };
    let actor = mi.user.id.to_string();
    let actor = Asker {
        platform: "discord",
        user: &actor,
    };
    let action = match &change {
        Edit::Create(_) => "faq.create",
        Edit::Update { .. } => "faq.edit",
    };
    let today = crate::logview::today();
    // Copying, validating and writing files: off the async workers.
    let (svc, job) = (bot.service.clone(), change.clone());
    let result = match tokio::task::spawn_blocking(move || svc.edit(&job, &today)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "discord: faq edit panicked");
            respond("Något gick fel hos mig; FAQ:n är oförändrad.".into()).await;
            return;
        }
    };
    match result {
        Ok(saved) => {
            let detail = saved.path.display().to_string();
            bot.service
                .audit(actor, action, Some(&saved.id), &detail)
                .await;
            tracing::info!(entry = %saved.id, action, "discord: faq entry saved");
            let verb = if saved.created {
                "lagts till"
            } else {
                "uppdaterats"
            };
            respond(format!(
                "Posten `{}` har {verb} och används redan i svaren.\nFil: `{detail}`",
                saved.id
            ))
            .await;
        }
        Err(e) => {
            tracing::info!(action, "discord: faq edit refused");
            let target = match &change {
                Edit::Update { id, .. } => Some(id.as_str()),
                Edit::Create(_) => None,
            };
            bot.service
                .audit(actor, &format!("{action}.refused"), target, &e.to_string())
                .await;
            respond(format!(
                "Ändringen sparades inte; FAQ:n är oförändrad.\n```\n{e}\n```"
            ))
            .await;
        }
    }
}
