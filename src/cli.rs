//! The command line: clap definitions and one function per command.
//!
//! This is an edge: errors become `anyhow` with context here, and each command decides its
//! exit code (0 fine, 1 the command found problems, 2 it could not run).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::answer::{AnswerMode, Engine, Glossary, Outcome, Thresholds};
use crate::config::{Config, Settings};
use crate::faq::{self, Faq};
use crate::logview::{self, Format};
use crate::privacy::Pseudonymizer;
use crate::reply::Reply;
use crate::store::{self, Channel, Place, Record, Store};
use crate::{bench, eval};

/// `println!` that returns the error instead of panicking: a reader that stops early
/// (`kommunbot log | head`) closes the pipe, which [`run`] does not count as a failure.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout(), $($arg)*)?
    };
}

/// `print!` likewise.
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout(), $($arg)*)?
    };
}

#[derive(Debug, Parser)]
#[command(
    name = "kommunbot",
    version,
    about = "Svarar på invånarnas frågor utifrån kommuncenters FAQ."
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log lines as readable text or as JSON objects (for log collectors).
    #[arg(long, global = true, value_enum, default_value_t = crate::telemetry::LogFormat::Human)]
    pub log_format: crate::telemetry::LogFormat,
    /// The configuration file (default: kommunbot.toml if it exists; every key optional).
    #[arg(long, global = true, env = "KOMMUNBOT_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: the Discord bot (with DISCORD_TOKEN), the HTTP API, the question log.
    Serve(ServeArgs),
    /// Answer one question as a citizen would see it.
    Ask(AskArgs),
    /// Validate a FAQ folder and report every problem as file:line: message.
    Check(CheckArgs),
    /// Measure answer quality on labelled questions (JSONL).
    Eval(EvalArgs),
    /// Measure matching latency and index build time on synthetic corpora.
    Bench(BenchArgs),
    /// List logged questions for staff (redacted).
    Log(LogArgs),
    /// Questions per outcome and theme, answer rate, top entries, feedback.
    Stats(StatsArgs),
    /// Delete logged questions older than the retention period.
    Purge(PurgeArgs),
    /// Delete everything logged about one asker.
    Forget(ForgetArgs),
    /// Podcast episodes: sync the feed, list, search, status.
    #[command(subcommand)]
    Episodes(EpisodesCommand),
    /// Candidate topics: unanswered and "not helpful" questions grouped and ranked by demand.
    Topics(TopicsArgs),
    /// Phrasings citizens used for entries, proposed as alternates: list, accept, reject.
    Suggestions(SuggestionsArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TopicsArgs {
    #[command(subcommand)]
    pub command: Option<TopicsCommand>,
    #[command(flatten)]
    pub list: TopicsListArgs,
}

#[derive(Debug, Args)]
pub struct TopicsListArgs {
    /// Only questions newer than this (e.g. 90d, 12w).
    #[arg(long, default_value = "90d")]
    pub since: String,
    /// Only topics with at least this many questions.
    #[arg(long, default_value_t = 2)]
    pub min_size: usize,
    /// Only topics of this theme id.
    #[arg(long)]
    pub theme: Option<String>,
    #[arg(long, value_enum, default_value_t = crate::topics::Format::Table)]
    pub format: crate::topics::Format,
    /// At most this many topics.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Group every question again from scratch (topic ids and statuses are kept).
    #[arg(long)]
    pub regroup: bool,
    /// Only topics with this status, e.g. covered or dismissed ones, which are otherwise not
    /// listed once handled.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::topics::STATUSES))]
    pub status: Option<String>,
    #[command(flatten)]
    pub faq: FaqArg,
}

#[derive(Debug, Subcommand)]
pub enum TopicsCommand {
    /// Set a topic's status: planned (for an episode), covered (by an episode and/or FAQ
    /// entries) or dismissed; new reopens it.
    Mark {
        /// The topic's id (first column of `topics`).
        id: i64,
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::topics::STATUSES))]
        status: String,
        /// The episode that covers (or will cover) it.
        #[arg(long)]
        episode: Option<String>,
        /// A FAQ entry that covers it (theme/slug); may be given several times.
        #[arg(long = "entry")]
        entries: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        faq: FaqArg,
    },
    /// Write a draft FAQ entry for a topic into faq/<theme>/ (not served until completed).
    Draft {
        id: i64,
        /// The theme folder (default: the topic's likely theme).
        #[arg(long)]
        theme: Option<String>,
        #[command(flatten)]
        faq: FaqArg,
    },
    /// Group the questions of a labelled file and compare with its gold topics.
    Eval(TopicsEvalArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SuggestionsArgs {
    #[command(subcommand)]
    pub command: Option<SuggestionsCommand>,
    /// Only evidence newer than this.
    #[arg(long, default_value = "365d")]
    pub since: String,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub faq: FaqArg,
}

#[derive(Debug, Subcommand)]
pub enum SuggestionsCommand {
    /// Add the phrasing to its entry's alternates (validated, written atomically, audited).
    Accept {
        id: String,
        #[command(flatten)]
        faq: FaqArg,
    },
    /// Hide the suggestion for good.
    Reject {
        id: String,
        #[command(flatten)]
        faq: FaqArg,
    },
}

#[derive(Debug, Args)]
pub struct TopicsEvalArgs {
    #[command(flatten)]
    pub faq: FaqArg,
    /// Labelled questions: {"q": "...", "topic": "..."} per line.
    #[arg(long)]
    pub log: PathBuf,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Tuning: the join threshold (cosine).
    #[arg(long, hide = true)]
    pub join: Option<f32>,
    /// Tuning: the merge threshold (cosine).
    #[arg(long, hide = true)]
    pub merge: Option<f32>,
    /// Print each found topic with its gold labels (for tuning).
    #[arg(long, hide = true)]
    pub dump: bool,
}

#[derive(Debug, Subcommand)]
pub enum EpisodesCommand {
    /// Sync the feed once (podcast.feed, or --feed URL|PATH).
    Sync {
        /// The feed's URL or a local file (a file is read as it is: no pages followed).
        #[arg(long)]
        feed: Option<String>,
    },
    /// List the episodes: curated in faq/episodes.toml and synced from the feed.
    List {
        #[command(flatten)]
        faq: FaqArg,
        /// Only episodes of this theme (curated themes).
        #[arg(long)]
        theme: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Which episode, and which minute, answers this question?
    Search {
        #[command(flatten)]
        faq: FaqArg,
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// When the feed was last synced, and how it went.
    Status,
    /// Forget every synced episode and the feed's state (after syncing a wrong feed); the
    /// next sync starts afresh. Curated episodes (faq/episodes.toml) stay.
    Clear,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the HTTP API, health checks and metrics listen (overrides http.address).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only questions newer than this (e.g. 7d, 12h, 4w).
    #[arg(long, default_value = "7d")]
    pub since: String,
    /// Only this outcome: answered, suggested or no_answer (also no-answer).
    #[arg(long)]
    pub outcome: Option<store::Met>,
    /// Only this theme id.
    #[arg(long)]
    pub theme: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// At most this many rows.
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[arg(long, default_value = "30d")]
    pub since: String,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Delete questions older than this many days, at least 1 (default: the retention
    /// setting, 180).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub older_than_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The asker as `<platform>:<id>`, e.g. `discord:123456789012345678`.
    #[arg(long)]
    pub user: String,
}

#[derive(Debug, Args)]
pub struct FaqArg {
    /// The FAQ folder.
    #[arg(long, env = "KOMMUNBOT_FAQ", default_value = "faq")]
    pub faq: PathBuf,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    #[command(flatten)]
    pub faq: FaqArg,
    /// Print the reply as JSON.
    #[arg(long)]
    pub json: bool,
    /// Show which words and terms matched, and the scores.
    #[arg(long)]
    pub explain: bool,
    /// Do not write the question to the question log. The synced episodes are still read
    /// where a database exists, so the reply is the one citizens get; none is created.
    #[arg(long)]
    pub no_log: bool,
    /// How readily to answer directly: balanced or cautious (default: the configuration's
    /// faq.answer_mode, as the service answers).
    #[arg(long, value_parser = parse_mode)]
    pub mode: Option<AnswerMode>,
    /// The question (several words are joined, so quotes are optional).
    #[arg(required = true, num_args = 1..)]
    pub question: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The FAQ folder (also accepted without --faq).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub faq: FaqArg,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub faq: FaqArg,
    /// Labelled questions, one JSON object a line.
    #[arg(long)]
    pub questions: PathBuf,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// How many of the worst misses to list.
    #[arg(long, default_value_t = 20)]
    pub misses: usize,
    /// How readily to answer directly: balanced or cautious.
    #[arg(long, value_parser = parse_mode, default_value = "balanced")]
    pub mode: AnswerMode,
    /// Print each question's top candidates and their figures (for tuning), tab-separated.
    #[arg(long, hide = true)]
    pub dump: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The FAQ whose words the synthetic corpora are made of.
    #[command(flatten)]
    pub faq: FaqArg,
    /// Questions to time (JSONL as for eval); by default the FAQ's own phrasings.
    #[arg(long)]
    pub questions: Option<PathBuf>,
    /// Corpus sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1000, 10000])]
    pub sizes: Vec<usize>,
    /// Instead: log this many answered questions into a fresh SQLite file and report rows/s.
    #[arg(long)]
    pub log: Option<usize>,
    /// Instead: start the whole service on loopback and send this many questions to
    /// /api/v1/ask; report answers/s, latency and rows logged.
    #[arg(long, conflicts_with = "log")]
    pub http: Option<usize>,
    /// With --http: concurrent connections.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Instead: group this many synthetic logged questions into topics from scratch, and
    /// time assigning new ones one by one.
    #[arg(long, conflicts_with_all = ["log", "http"])]
    pub topics: Option<usize>,
    /// With --log: hand questions over at this steady rate per second (default: flat out).
    #[arg(long)]
    pub rate: Option<u32>,
}

/// An error and its causes on one line, as `main` prints it. Some of the library's errors
/// name their cause in their own message (so a log line or `/readyz` says it whole): a cause
/// already said is not repeated.
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match run_command(cli) {
        // The reader went away (`| head`): what it wanted is printed, nothing failed.
        Err(e) if closed_pipe(&e) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run_command(cli: Cli) -> Result<ExitCode> {
    let cfg = cli.config.as_deref();
    match cli.command {
        Command::Serve(a) => serve(a, cfg),
        Command::Ask(a) => ask(a, cfg),
        Command::Check(c) => check(c),
        Command::Eval(e) => run_eval(e),
        Command::Bench(b) => run_bench(b),
        Command::Log(l) => log(l, cfg),
        Command::Stats(s) => stats(s, cfg),
        Command::Purge(p) => purge(p, cfg),
        Command::Forget(f) => forget(f, cfg),
        Command::Episodes(e) => episodes(e, cfg),
        Command::Topics(t) => topics(t, cfg),
        Command::Suggestions(s) => suggestions(s, cfg),
    }
}

fn episodes(cmd: EpisodesCommand, cfg: Option<&Path>) -> Result<ExitCode> {
    use crate::podcast::{Catalogue, Fetcher, link::url_at, sync_once};
    match cmd {
        EpisodesCommand::Sync { feed } => {
            let config = config(cfg)?;
            let Some(feed) = feed.or(config.podcast.feed.clone()) else {
                anyhow::bail!(
                    "no feed to sync: set podcast.feed (or KOMMUNBOT_FEED), or pass --feed URL|PATH"
                );
            };
            let fetcher = Fetcher::new(config.podcast.timeout);
            let r = with_store(cfg, async |s, _| Ok(sync_once(s, &fetcher, &feed).await?))?;
            if r.result == "not_modified" {
                // Nothing was read: the episodes stored stay as they were.
                outln!(
                    "episodes sync: oförändrat sedan förra gången i {}",
                    crate::podcast::shown_url(&r.url)
                );
            } else {
                outln!(
                    "episodes sync: uppdaterat — {} avsnitt från {} i {}",
                    r.episodes,
                    logview::count(r.pages, "sida", "sidor"),
                    crate::podcast::shown_url(&r.url)
                );
            }
        }
        EpisodesCommand::List { faq, theme, json } => {
            let faq = load_faq_for_reading(&faq.faq)?;
            let synced = with_store(cfg, async |s, _| Ok(s.episodes().await?))?;
            let catalogue = Catalogue::build(&faq, &synced);
            let eps: Vec<_> = catalogue
                .episodes()
                .iter()
                .filter(|e| theme.as_ref().is_none_or(|t| e.themes.contains(t)))
                .collect();
            if json {
                let v: Vec<serde_json::Value> = eps
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "id": e.id, "title": e.title, "url": e.url, "themes": e.themes,
                            "chapters": e.marks.iter().map(|m| serde_json::json!({"start": m.start, "text": m.text})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for e in &eps {
                    let themes = if e.themes.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", e.themes.join(", "))
                    };
                    outln!(
                        "{}{themes}\n  {}\n  {} ({} kapitel)",
                        e.title,
                        e.id,
                        e.url,
                        e.marks.len()
                    );
                }
                outln!("{} avsnitt", eps.len());
            }
        }
        EpisodesCommand::Search { faq, question } => {
            let faq = load_faq_for_reading(&faq.faq)?;
            let synced = with_store(cfg, async |s, _| Ok(s.episodes().await?))?;
            let question = question.join(" ");
            match Catalogue::build(&faq, &synced).find_for_question(&question, None) {
                Some(f) => {
                    let at =
                        f.at.map(|t| format!(" från {}", crate::faq::Timestamp(t)))
                            .unwrap_or_default();
                    outln!(
                        "{}{at}\n{}\n(säkerhet {:.2})",
                        f.title,
                        url_at(&f.url, f.at),
                        f.score
                    );
                }
                None => {
                    outln!("Inget avsnitt tar upp det här.");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        EpisodesCommand::Clear => {
            let n = with_store(cfg, async |s, settings| {
                let n = s.clear_episodes().await?;
                s.audit(
                    &cli_actor(settings)?,
                    "episodes.clear",
                    None,
                    &format!("{n} episodes"),
                )
                .await?;
                Ok(n)
            })?;
            outln!(
                "episodes: raderade {n} hämtade avsnitt; en tjänst som körs slutar visa dem vid nästa synk eller SIGHUP"
            );
        }
        EpisodesCommand::Status => {
            let st = with_store(cfg, async |s, _| Ok(s.feed_state().await?))?;
            match st {
                None => outln!("episodes: aldrig synkad"),
                Some(f) => {
                    let when =
                        |t: Option<i64>| t.map(logview::datetime).unwrap_or_else(|| "-".into());
                    let shown = crate::podcast::shown_url;
                    outln!("flöde:          {}", shown(&f.url));
                    if f.url != f.configured {
                        outln!("inställt:       {} (flyttat)", shown(&f.configured));
                    }
                    outln!(
                        "senaste försök: {} ({})",
                        when(f.attempted_at),
                        match f.result.as_deref() {
                            Some("updated") => "uppdaterat",
                            Some("not_modified") => "oförändrat",
                            Some("failed") => "misslyckades",
                            Some(other) => other,
                            None => "-",
                        }
                    );
                    outln!("senast lyckad:  {}", when(f.succeeded_at));
                    outln!("avsnitt:        {}", f.episodes);
                    if let Some(e) = &f.error {
                        outln!("fel:            {e}");
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

impl Command {
    /// A long-running service logs what it does by default; one-shot commands stay quiet.
    pub fn is_service(&self) -> bool {
        matches!(self, Command::Serve(_))
    }
}

/// The configuration, with every problem reported at once.
fn config(path: Option<&Path>) -> Result<Config> {
    Config::load(path).map_err(|e| anyhow::anyhow!("invalid configuration:\n{e}"))
}

fn serve(a: ServeArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    let mut config = config(cfg)?;
    if let Some(addr) = a.http {
        config.http.address = addr;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(crate::app::run(config))?;
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Puts in whatever an earlier outage left in the spool, and says so if there was any.
async fn replay_spool(store: &Store, settings: &Settings) -> Result<()> {
    let replayed = store::replay_spool(store, &settings.data_dir).await?;
    if replayed > 0 {
        tracing::info!(replayed, "question log: spool replayed");
    }
    Ok(())
}

/// Opens the database and puts in whatever an earlier outage left in the spool.
async fn open_store(settings: &Settings) -> Result<Store> {
    let store = Store::open(&settings.database_url).await?;
    replay_spool(&store, settings).await?;
    Ok(store)
}

/// The question log as `ask` uses it: opened once, for the synced episodes it links and the
/// question it logs. A database that is down must not hold up the answer for its connect
/// timeout: past 2 s the answer links the FAQ's episodes only and the question is spooled.
struct AskLog {
    rt: tokio::runtime::Runtime,
    /// `None`: no database was opened (there is none yet, and nothing is logged).
    store: Option<Result<Store>>,
}

impl AskLog {
    fn without_database() -> Result<Self> {
        Ok(Self {
            rt: runtime()?,
            store: None,
        })
    }

    fn open(settings: &Settings) -> Result<Self> {
        let rt = runtime()?;
        let store = rt.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(2),
                Store::open(&settings.database_url),
            )
            .await
            .context("the database did not answer within 2 s")?
            .map_err(anyhow::Error::from)
        });
        Ok(Self {
            rt,
            store: Some(store),
        })
    }

    /// The feed's episodes as the last sync stored them; none when they cannot be read.
    fn synced_episodes(&self) -> Vec<crate::podcast::FeedEpisode> {
        let read = match &self.store {
            None => Ok(Vec::new()),
            Some(Ok(store)) => self
                .rt
                .block_on(store.episodes())
                .map_err(anyhow::Error::from),
            Some(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
        };
        read.unwrap_or_else(|e| {
            tracing::warn!(error = %format!("{e:#}"), "cannot read the synced episodes; linking the faq's only");
            Vec::new()
        })
    }

    /// Logs one CLI question. The answer is already printed: a database problem only warns,
    /// and the record waits in the spool for the next run.
    fn log_question(
        &self,
        question: &str,
        outcome: &crate::answer::Outcome,
        settings: &Settings,
    ) -> Result<()> {
        let pseudo = Pseudonymizer::load_or_create(
            &settings.data_dir,
            Some(settings.asker_secret.expose()),
        )?;
        let user = std::env::var("USER").unwrap_or_else(|_| "cli".into());
        let record = Record::new(
            question,
            Channel::Cli,
            Place::default(),
            Some(pseudo.asker("cli", &user)),
            outcome,
            None,
        );
        let result = match &self.store {
            Some(Ok(store)) => self.rt.block_on(async {
                replay_spool(store, settings).await?;
                store.insert(std::slice::from_ref(&record)).await?;
                anyhow::Ok(())
            }),
            Some(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
            None => Err(anyhow::anyhow!("no database was opened")),
        };
        if let Err(e) = result {
            store::spool_records(&settings.data_dir, &[record]).with_context(|| {
                format!(
                    "cannot spool the question in {}",
                    settings.data_dir.display()
                )
            })?;
            tracing::warn!(error = %format!("{e:#}"), "question log unavailable: the question waits in the spool");
        }
        Ok(())
    }

    fn close(self) {
        if let Some(Ok(store)) = self.store {
            self.rt.block_on(store.close());
        }
    }
}

fn with_store<T>(
    cfg: Option<&Path>,
    f: impl AsyncFnOnce(&Store, &Settings) -> Result<T>,
) -> Result<T> {
    with_store_of(config(cfg)?.storage, f)
}

fn with_store_of<T>(
    settings: Settings,
    f: impl AsyncFnOnce(&Store, &Settings) -> Result<T>,
) -> Result<T> {
    runtime()?.block_on(async {
        let store = open_store(&settings).await?;
        let out = f(&store, &settings).await;
        store.close().await;
        out
    })
}

fn since_ms(age: &str) -> Result<i64> {
    let ms = logview::parse_age(age).map_err(anyhow::Error::msg)?;
    Ok(store::now_ms() - ms)
}

fn log(a: LogArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    let filter = store::Filter {
        since_ms: Some(since_ms(&a.since)?),
        outcome: a.outcome,
        theme: a.theme,
        limit: Some(a.limit),
    };
    let (rows, db) = with_store(cfg, async |s, settings| {
        Ok((s.list(&filter).await?, settings.database_url.clone()))
    })?;
    out!("{}", logview::questions(&rows, a.format));
    if rows.is_empty() {
        empty_log_hint(&db);
    } else if i64::try_from(rows.len()).is_ok_and(|n| n == a.limit) {
        eprintln!(
            "Obs: de {} senaste visas; fler kan finnas (höj --limit).",
            a.limit
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Nothing logged in the window: say which database that was, on stderr (the output stays
/// what scripts read). A mistyped `DATABASE_URL` or data folder opens a new, empty log.
fn empty_log_hint(database_url: &str) {
    eprintln!(
        "kommunbot: inga frågor i frågeloggen {} för det urvalet (--since, --outcome, --theme)",
        crate::privacy::database_url_shown(database_url)
    );
}

fn stats(a: StatsArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    let since = since_ms(&a.since)?;
    let span = logview::parse_age(&a.since).map_err(anyhow::Error::msg)?;
    let (st, db) = with_store(cfg, async |s, settings| {
        Ok((s.stats(since).await?, settings.database_url.clone()))
    })?;
    out!("{}", logview::stats(&st, span));
    if st.total == 0 {
        empty_log_hint(&db);
    }
    Ok(ExitCode::SUCCESS)
}

fn purge(a: PurgeArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    let (n, days) = with_store(cfg, async |s, settings| {
        let days = a.older_than_days.unwrap_or(settings.retention_days);
        let before = store::now_ms() - i64::from(days) * 86_400_000;
        Ok((s.purge(before).await?, days))
    })?;
    outln!(
        "purge: raderade {} äldre än {}",
        logview::count(n, "fråga", "frågor"),
        logview::count(days, "dag", "dagar")
    );
    Ok(ExitCode::SUCCESS)
}

/// How long `forget` waits for another `forget` on the same data directory.
const FORGET_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

fn forget(a: ForgetArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    let Some((platform, id)) = a
        .user
        .split_once(':')
        .filter(|(p, i)| !p.is_empty() && !i.is_empty())
    else {
        anyhow::bail!(
            "invalid user `{}`: write it as <platform>:<id>, e.g. discord:123456789012345678",
            a.user
        );
    };
    // The platforms askers come from (Discord; the HTTP API and web chat; this CLI): any
    // other would delete nothing and look like success.
    const PLATFORMS: [&str; 4] = ["discord", "http", "web", "cli"];
    if !PLATFORMS.contains(&platform) {
        anyhow::bail!(
            "unknown platform `{platform}` in `{}`: use one of {}",
            a.user,
            PLATFORMS.join(", ")
        );
    }
    let settings = config(cfg)?.storage;
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            settings.data_dir.display()
        )
    })?;
    // A running service holds the asker's latest questions in memory, where this process
    // cannot reach them, and would store them after the rows are deleted: refuse rather
    // than report a forget that is not complete. Held to the end, so no service starts
    // meanwhile.
    let _alone = store::ServiceLock::forgetting(&settings.data_dir, FORGET_WAIT)?;
    let n = with_store_of(settings, async |s, settings| {
        let pseudo = Pseudonymizer::load_or_create(
            &settings.data_dir,
            Some(settings.asker_secret.expose()),
        )?;
        let asker = pseudo.asker(platform, id);
        let spooled = store::forget_spooled(&settings.data_dir, &asker).with_context(|| {
            format!(
                "cannot remove the user's questions from the spool in {}",
                settings.data_dir.display()
            )
        })?;
        Ok(s.forget(&asker).await? + spooled as u64)
    })?;
    outln!(
        "forget: raderade {} från den användaren",
        logview::count(n, "fråga", "frågor")
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads a FAQ that must be clean, and builds the engine over it.
pub fn load_engine(dir: &Path) -> Result<(Faq, Engine)> {
    engine_over(faq::load_strict(dir)?, dir)
}

fn engine_over(faq: Faq, dir: &Path) -> Result<(Faq, Engine)> {
    let engine = Engine::new(&faq, Glossary::base())
        .with_context(|| format!("the glossary in {}", dir.display()))?;
    tracing::info!(entries = engine.len(), dir = %dir.display(), "faq loaded");
    Ok((faq, engine))
}

/// The FAQ for staff views that only read it (topics, suggestions, episodes): a guide's
/// work in progress with a problem in one file must not hide them, as the service keeps
/// serving what it has. The problems are named on stderr; a FAQ with no readable entry at
/// all is refused as `check` would.
fn load_faq_for_reading(dir: &Path) -> Result<Faq> {
    let (faq, problems) = faq::load(dir);
    if !problems.is_empty() {
        if faq.entries.is_empty() {
            return Err(faq::FaqError::Invalid {
                dir: dir.display().to_string(),
                diagnostics: problems,
            }
            .into());
        }
        eprintln!(
            "Obs: {} i {} (kör `kommunbot check {}`); det här bygger på de poster som går att läsa.",
            logview::count(problems.len(), "problem", "problem"),
            dir.display(),
            dir.display()
        );
    }
    Ok(faq)
}

fn load_engine_for_reading(dir: &Path) -> Result<(Faq, Engine)> {
    engine_over(load_faq_for_reading(dir)?, dir)
}

fn parse_mode(s: &str) -> Result<AnswerMode, String> {
    s.parse()
}

fn ask(a: AskArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    let (faq, mut engine) = load_engine(&a.faq.faq)?;
    let config = config(cfg)?;
    let mode = a.mode.unwrap_or(config.answer_mode);
    engine.thresholds = Thresholds::for_mode(mode);
    let question = a.question.join(" ");
    let ex = engine.explain(&question);
    // The configured contact texts: the reply as citizens get it.
    let mut reply = Reply::to_question(&question, &faq, &ex.outcome, &config.texts);
    // The episodes the service links: the FAQ's and, where the database is at hand, the
    // feed's synced ones; also with `--no-log`, which only leaves the question unlogged,
    // so the reply is the one citizens get. A database not there yet has synced nothing,
    // and `--no-log` does not make one.
    let log = if a.no_log && Store::would_create(&config.storage.database_url) {
        AskLog::without_database()?
    } else {
        AskLog::open(&config.storage)?
    };
    let synced = log.synced_episodes();
    let catalogue = crate::podcast::Catalogue::build(&faq, &synced);
    crate::service::link_episode(&catalogue, &faq, &ex.outcome, &question, &mut reply);
    if a.json {
        let mut v = serde_json::to_value(&reply)?;
        // One JSON document: the explanation goes inside it, not after it.
        if a.explain {
            v["explanation"] = explanation_json(&ex);
        }
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        out!("{}", reply.to_text());
    }
    // A blank question asks nothing: it would only be an empty row in the log and topics.
    if !a.no_log && !question.trim().is_empty() {
        log.log_question(&question, &ex.outcome, &config.storage)?;
    } else if a.no_log && matches!(ex.outcome, Outcome::NoAnswer { chat: false, .. }) {
        // The reply is the citizen's, and tells them their question is saved; this one
        // was not. Said on stderr, so the reply itself stays as a citizen would see it.
        eprintln!("Obs: --no-log, så frågan sparades inte i frågeloggen.");
    }
    if a.explain && !a.json {
        outln!("\n--- förklaring ---");
        outln!("språk: {:?}", ex.lang);
        for (word, terms) in &ex.words {
            let terms: Vec<String> = terms
                .iter()
                .map(|(l, w, idf)| {
                    if idf.is_nan() {
                        format!("{l} [vikt {w:.2}, finns inte i FAQ:n]")
                    } else {
                        format!("{l} [vikt {w:.2}, idf {idf:.2}]")
                    }
                })
                .collect();
            outln!("  {word}: {}", terms.join(", "));
        }
        outln!("kandidater:");
        for c in ex.candidates.iter().take(5) {
            // A keyword the question covers better than any phrasing (the answer floor's
            // measure).
            let keyword = if c.form_fit > c.fit {
                format!(", med nyckelord {:.2}", c.form_fit)
            } else {
                String::new()
            };
            outln!(
                "  {:.3}  {}  (täckning {:.2}, passform {:.2} mot \"{}\"{keyword})",
                c.score,
                c.entry,
                c.coverage,
                c.fit,
                c.best_phrasing
            );
            let m: Vec<String> = c.matched.iter().map(|(w, t)| format!("{w}→{t}")).collect();
            outln!("         träffar: {}", m.join(", "));
        }
        let ev = &ex.evidence;
        // What `decide` weighs besides the scores (ARCHITECTURE.md, How matching works).
        outln!(
            "bästa postens belägg: särskild sak {:.2}, ämne {:.2}, oförklarat {:.2}, okänt för FAQ:n {:.2}{}",
            ev.distinct,
            ev.subject,
            ev.unexplained,
            ev.absent,
            if ev.translated { ", översatt" } else { "" }
        );
        outln!("utfall: {}", ex.outcome.kind());
    }
    log.close();
    Ok(ExitCode::SUCCESS)
}

/// `ask --json --explain`: what the text explanation shows, as data.
fn explanation_json(ex: &crate::answer::Explanation) -> serde_json::Value {
    let words: Vec<serde_json::Value> = ex
        .words
        .iter()
        .map(|(word, terms)| {
            let terms: Vec<serde_json::Value> = terms
                .iter()
                .map(|(label, weight, idf)| {
                    // NaN: no entry has the term.
                    serde_json::json!({ "term": label, "weight": weight, "idf": (!idf.is_nan()).then_some(idf) })
                })
                .collect();
            serde_json::json!({ "word": word, "terms": terms })
        })
        .collect();
    let candidates: Vec<serde_json::Value> = ex
        .candidates
        .iter()
        .take(5)
        .map(|c| {
            serde_json::json!({
                "entry": c.entry.to_string(),
                "score": c.score,
                "coverage": c.coverage,
                "fit": c.fit,
                "form_fit": c.form_fit,
                "best_phrasing": c.best_phrasing,
                "matched": c.matched.iter().map(|(w, t)| serde_json::json!({ "word": w, "term": t })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "lang": format!("{:?}", ex.lang),
        "words": words,
        "candidates": candidates,
        "evidence": {
            "distinct": ex.evidence.distinct,
            "subject": ex.evidence.subject,
            "unexplained": ex.evidence.unexplained,
            "absent": ex.evidence.absent,
            "named": ex.evidence.named,
            "translated": ex.evidence.translated,
        },
        "outcome": ex.outcome.kind(),
    })
}

fn check(c: CheckArgs) -> Result<ExitCode> {
    let dir = c.dir.unwrap_or(c.faq.faq);
    // A mistyped path is the command's failure (2), not a problem of the FAQ (1).
    if dir.is_file() {
        anyhow::bail!(
            "{} är en fil: ange faq-mappen, till exempel `kommunbot check faq`",
            dir.display()
        );
    }
    if !dir.is_dir() {
        anyhow::bail!("det finns ingen faq-mapp på {}", dir.display());
    }
    let (faq, mut diags) = crate::service::validate(&dir);
    // An empty folder passes every rule, but serves nothing: most likely the wrong one.
    if faq.entries.is_empty() && diags.is_empty() {
        diags.push(crate::faq::Diagnostic {
            file: dir.clone(),
            line: None,
            message: "inga poster: det behövs en temamapp med _theme.toml och minst en postfil"
                .into(),
        });
    }
    for d in &diags {
        outln!("{d}");
    }
    let drafts: Vec<_> = faq.entries.iter().filter(|e| e.draft).collect();
    for d in &drafts {
        outln!(
            "{}: obs: utkast, visas inte förrän en vägledare har gjort klart det",
            d.source.display()
        );
    }
    // A reminder, not a problem: the entry is still served. (Dates are YYYY-MM-DD, so
    // they compare as text.)
    let today = crate::logview::today();
    for e in faq
        .entries
        .iter()
        .filter(|e| e.review_by.as_ref().is_some_and(|r| *r < today))
    {
        outln!(
            "{}: obs: skulle granskas senast {}, och det datumet har passerat",
            e.source.display(),
            e.review_by.as_deref().unwrap_or_default()
        );
    }
    if diags.is_empty() {
        outln!(
            "ok: {}, {} ({} utkast), {} avsnitt i {}",
            logview::count(faq.themes.len(), "tema", "teman"),
            logview::count(faq.entries.len(), "post", "poster"),
            drafts.len(),
            faq.episodes.len(),
            dir.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        outln!("{} problem i {}", diags.len(), dir.display());
        Ok(ExitCode::from(1))
    }
}

fn read_questions(path: &Path) -> Result<Vec<eval::Labelled>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read questions from {}", path.display()))?;
    eval::parse_jsonl(&text).with_context(|| format!("in {}", path.display()))
}

fn run_eval(e: EvalArgs) -> Result<ExitCode> {
    let (_, mut engine) = load_engine(&e.faq.faq)?;
    engine.thresholds = Thresholds::for_mode(e.mode);
    let questions = read_questions(&e.questions)?;
    if e.dump {
        for q in &questions {
            let ex = engine.explain(&q.q);
            let c: Vec<String> = ex
                .candidates
                .iter()
                .take(12)
                .map(|c| {
                    format!(
                        "{}\t{:.3}\t{:.3}\t{:.3}",
                        c.entry, c.score, c.coverage, c.fit
                    )
                })
                .collect();
            outln!(
                "{}\t{}\t{}\t{:.3}\t{:.3}/{:.3}/{:.3}/{:.3}\t{:?}\t{}",
                q.expect.as_deref().unwrap_or("-"),
                q.q.replace('\t', " "),
                ex.outcome.kind(),
                ex.evidence.distinct,
                ex.evidence.unexplained,
                ex.evidence.absent,
                ex.evidence.named,
                ex.evidence.subject,
                ex.lang,
                c.join("\t")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = eval::run(&engine, &questions);
    if e.json {
        outln!("{}", serde_json::to_string(&report.figures)?);
    } else {
        out!("{}", report.to_text(e.misses));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_bench(b: BenchArgs) -> Result<ExitCode> {
    let base = faq::load_strict(&b.faq.faq)?;
    let questions: Vec<String> = match &b.questions {
        Some(p) => read_questions(p)?.into_iter().map(|l| l.q).collect(),
        None => base
            .entries
            .iter()
            .flat_map(|e| e.phrasings().map(str::to_owned).collect::<Vec<_>>())
            .collect(),
    };
    anyhow::ensure!(!questions.is_empty(), "no questions to time");
    if let Some(n) = b.topics {
        let r = bench::topics(&base, n, 7)?;
        outln!(
            "topics: {} questions grouped from scratch into {} topics in {:.2} s; a new question assigned in p50 {:.0} us, p99 {:.0} us",
            r.questions,
            r.topics,
            r.group.as_secs_f64(),
            r.assign_p50.as_secs_f64() * 1e6,
            r.assign_p99.as_secs_f64() * 1e6,
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(n) = b.http {
        let dir = std::env::temp_dir().join(format!("kommunbot-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let report = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(crate::loadtest::run(
                &b.faq.faq,
                &dir,
                &questions,
                n,
                b.concurrency,
            ));
        let _ = std::fs::remove_dir_all(&dir);
        let r = report?;
        outln!(
            "http: {} questions, {} connections, {:.2} s: {:.0} answers/s; latency p50 {:.0} us, p99 {:.0} us, max {:.0} us; {} errors; {} of {} rows logged ({} via the spool)",
            r.requests,
            b.concurrency,
            r.elapsed.as_secs_f64(),
            r.per_second(),
            r.p50.as_secs_f64() * 1e6,
            r.p99.as_secs_f64() * 1e6,
            r.max.as_secs_f64() * 1e6,
            r.errors,
            r.rows,
            r.ok,
            r.spooled
        );
        anyhow::ensure!(
            r.rows == r.ok as i64,
            "{} answered questions but {} rows logged",
            r.ok,
            r.rows
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(n) = b.log {
        let engine = Engine::new(&base, Glossary::base())?;
        let dir = std::env::temp_dir().join(format!("kommunbot-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let row = bench::log_throughput(&engine, &questions, n, b.rate, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let row = row?;
        outln!(
            "logged {} questions in {:.2} s: {:.0} rows/s into SQLite; answer path p99 {:.1} us alone, {:.1} us while logging; {} spooled",
            row.records,
            row.elapsed.as_secs_f64(),
            row.records as f64 / row.elapsed.as_secs_f64(),
            row.p99_alone.as_secs_f64() * 1e6,
            row.p99_logging.as_secs_f64() * 1e6,
            row.spooled
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>8} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "entries",
        "build_ms",
        "p50_us",
        "p99_us",
        "max_us",
        "queries"
    );
    for row in bench::run(&base, &questions, &b.sizes) {
        outln!(
            "{:>8} {:>10.1} {:>9.1} {:>9.1} {:>9.1} {:>9}",
            row.entries,
            row.build.as_secs_f64() * 1e3,
            row.p50.as_secs_f64() * 1e6,
            row.p99.as_secs_f64() * 1e6,
            row.max.as_secs_f64() * 1e6,
            row.questions
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The pseudonym staff actions on the command line are audited under.
fn cli_actor(settings: &Settings) -> Result<String> {
    let pseudo =
        Pseudonymizer::load_or_create(&settings.data_dir, Some(settings.asker_secret.expose()))?;
    let user = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    Ok(pseudo.asker("cli", &user))
}

fn topics(a: TopicsArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    use crate::topics::{self as t, Query};
    match a.command {
        Some(TopicsCommand::Eval(e)) => topics_eval(e),
        None => {
            let l = a.list;
            let (_, engine) = load_engine_for_reading(&l.faq.faq)?;
            let engine = std::sync::Arc::new(engine);
            let query = Query {
                since_ms: since_ms(&l.since)?,
                min_size: l.min_size,
                theme: l.theme,
                limit: l.limit,
                regroup: l.regroup,
                status: l.status.clone(),
            };
            let report = with_store(cfg, async |s, _| {
                Ok(t::refresh(s, engine.clone(), &query).await?)
            })?;
            out!("{}", t::render(&report, l.format));
            Ok(ExitCode::SUCCESS)
        }
        Some(TopicsCommand::Mark {
            id,
            status,
            episode,
            entries,
            note,
            faq,
        }) => {
            if status == "covered" && episode.is_none() && entries.is_empty() {
                anyhow::bail!(
                    "topic #{id}: say what covers it: --episode ID and/or --entry THEME/SLUG"
                );
            }
            // The FAQ is read only to check what covers the topic.
            let faq = if entries.is_empty() && episode.is_none() {
                Faq::default()
            } else {
                load_faq_for_reading(&faq.faq)?
            };
            if let Some(bad) = entries.iter().find(|e| faq.entry(e).is_none()) {
                anyhow::bail!(
                    "unknown entry `{bad}`: use an id as `topics` or `check` shows it (theme/slug)"
                );
            }
            let done = with_store(cfg, async |s, settings| {
                // An episode is the FAQ's (episodes.toml) or the synced feed's.
                if let Some(ep) = &episode
                    && faq.episode(ep).is_none()
                    && !s.episodes().await?.iter().any(|e| e.guid == *ep)
                {
                    anyhow::bail!(
                        "unknown episode `{ep}`: use an id as `kommunbot episodes list` shows it"
                    );
                }
                let ok = s
                    .mark_topic(id, &status, episode.as_deref(), &entries, note.as_deref())
                    .await?;
                if ok {
                    let detail = t::mark_detail(&status, episode.as_deref());
                    s.audit(
                        &cli_actor(settings)?,
                        "topic.mark",
                        Some(&id.to_string()),
                        &detail,
                    )
                    .await?;
                }
                Ok(ok)
            })?;
            if !done {
                anyhow::bail!("no topic #{id}: run `kommunbot topics` to see the ids");
            }
            outln!("ämne #{id}: {}", t::status_sv(&status));
            Ok(ExitCode::SUCCESS)
        }
        Some(TopicsCommand::Draft {
            id,
            theme,
            faq: dir,
        }) => {
            let (faq, engine) = load_engine(&dir.faq)?;
            let engine = std::sync::Arc::new(engine);
            let query = Query {
                since_ms: 0,
                min_size: 0,
                theme: None,
                limit: usize::MAX,
                regroup: false,
                status: None,
            };
            let (report, settings) = with_store(cfg, async |s, settings| {
                Ok((
                    t::refresh(s, engine.clone(), &query).await?,
                    settings.clone(),
                ))
            })?;
            let Some(topic) = report
                .open
                .iter()
                .chain(&report.covered_but_asked)
                .find(|t| t.id == id)
            else {
                anyhow::bail!(
                    "no open topic #{id} with questions: run `kommunbot topics` to see the ids"
                );
            };
            let Some(theme) = theme.or(topic.theme.clone()) else {
                anyhow::bail!(
                    "topic #{id} has no likely theme: pass --theme THEME (a folder in {})",
                    dir.faq.display()
                );
            };
            // Drafted before (or written by hand since): say where, rather than what the
            // duplicate would break.
            let label = faq::phrasing_key(&topic.label);
            if let Some(e) = faq
                .entries
                .iter()
                .find(|e| e.phrasings().any(|p| faq::phrasing_key(p) == label))
            {
                anyhow::bail!(
                    "topic #{id} already has an entry asking \"{}\": {}",
                    topic.label,
                    e.source.display()
                );
            }
            let today = crate::logview::today();
            let saved = faq::edit::save(&dir.faq, &faq, &t::draft_edit(topic, &theme), &today)?;
            runtime()?.block_on(async {
                let s = open_store(&settings).await?;
                s.audit(
                    &cli_actor(&settings)?,
                    "faq.draft",
                    Some(&saved.id),
                    &format!("from topic #{id}"),
                )
                .await?;
                s.close().await;
                anyhow::Ok(())
            })?;
            outln!(
                "utkast skrivet: {}\nSkriv svaret och ta bort raden `draft = true` så börjar boten använda det.",
                saved.path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn suggestions(a: SuggestionsArgs, cfg: Option<&Path>) -> Result<ExitCode> {
    use crate::topics::phrasing::{self, LOW_CONFIDENCE};
    let since = since_ms(&a.since)?;
    let dir = match &a.command {
        Some(SuggestionsCommand::Accept { faq, .. } | SuggestionsCommand::Reject { faq, .. }) => {
            faq.faq.clone()
        }
        None => a.faq.faq.clone(),
    };
    // Listing only reads the FAQ; accepting writes it, and needs it whole.
    let (faq, engine) = match a.command {
        None => load_engine_for_reading(&dir)?,
        Some(_) => load_engine(&dir)?,
    };
    with_store(cfg, async |s, settings| {
        let evidence = s.phrasing_evidence(since, LOW_CONFIDENCE).await?;
        let decided = s.phrasing_decisions().await?;
        let list = phrasing::suggestions(&evidence, &faq, &engine, &decided);
        let (id, accept) = match &a.command {
            None => {
                if a.json {
                    outln!("{}", serde_json::to_string_pretty(&list)?);
                } else if list.is_empty() {
                    outln!("Inga förslag just nu.");
                } else {
                    outln!("{:<8}  {:>5}  {:<36}  formulering", "id", "antal", "post");
                    for x in &list {
                        outln!(
                            "{:<8}  {:>5}  {:<36}  {}",
                            x.id,
                            x.count,
                            x.entry,
                            x.phrasing
                        );
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            Some(SuggestionsCommand::Accept { id, .. }) => (id, true),
            Some(SuggestionsCommand::Reject { id, .. }) => (id, false),
        };
        let Some(sug) = list.iter().find(|x| &x.id == id) else {
            anyhow::bail!(
                "no open suggestion `{id}` for the faq in {}: run `kommunbot suggestions` there to see the ids (a suggestion whose entry that faq lacks is not listed)",
                dir.display()
            );
        };
        let actor = cli_actor(settings)?;
        let saved = if accept {
            let edit = phrasing::accept_edit(&faq, sug)
                .with_context(|| format!("unknown entry `{}`", sug.entry))?;
            let today = crate::logview::today();
            Some(faq::edit::save(&dir, &faq, &edit, &today)?)
        } else {
            None
        };
        let (decision, action) = if accept {
            ("accepted", "suggestion.accept")
        } else {
            ("rejected", "suggestion.reject")
        };
        s.decide_phrasing(&sug.id, &sug.entry, &sug.phrasing, decision, &actor)
            .await?;
        s.audit(&actor, action, Some(&sug.entry), sug.audit_detail(accept))
            .await?;
        match saved {
            Some(saved) => outln!("\"{}\" lades till i {}", sug.phrasing, saved.path.display()),
            None => outln!("förslaget {} avvisades", sug.id),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn topics_eval(a: TopicsEvalArgs) -> Result<ExitCode> {
    let (_, engine) = load_engine(&a.faq.faq)?;
    let labelled = crate::topics::read_labelled(&a.log)?;
    let mut params = crate::topics::group::Params::default();
    if let Some(j) = a.join {
        params.join = j;
    }
    if let Some(m) = a.merge {
        params.merge = m;
    }
    let r = crate::topics::evaluate(&engine, &labelled, params, a.dump);
    if a.json {
        outln!("{}", serde_json::to_string(&r)?);
    } else {
        outln!(
            "ari {:.3}  purity {:.3}  topics {} (gold {})  n {}",
            r.ari,
            r.purity,
            r.topics,
            r.gold_topics,
            r.n
        );
    }
    Ok(ExitCode::SUCCESS)
}
