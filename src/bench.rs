//! `kommunbot bench`: index build time and matching latency over synthetic corpora.
//!
//! Synthetic entries are made of the real FAQ's own words (so stems, compounds and glossary
//! concepts behave as in production), drawn by a fixed-seed generator: the same corpus on
//! every run, so figures can be compared across commits.

use std::time::{Duration, Instant};

use crate::answer::{Engine, Glossary};
use crate::faq::{Entry, EntryId, Faq, Theme, ThemeId};

#[derive(Debug, Clone)]
pub struct Row {
    pub entries: usize,
    pub build: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub questions: usize,
}

/// A small, fixed-seed generator (xorshift64*): reproducible corpora without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
    fn sentence(&mut self, words: &[String], n: usize) -> String {
        (0..n)
            .map(|_| self.pick(words).as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Makes a corpus of `size` entries from the words of `base`, in as many themes as `base`.
/// The distinct words of a FAQ's phrasings and answers (never empty).
fn vocabulary(base: &Faq) -> Vec<String> {
    let mut words: Vec<String> = base
        .entries
        .iter()
        .flat_map(|e| {
            e.phrasings()
                .chain(std::iter::once(e.answer.as_str()))
                .flat_map(|t| t.split_whitespace())
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() > 2)
        .collect();
    words.sort();
    words.dedup();
    if words.is_empty() {
        words.push("fråga".into());
    }
    words
}

pub fn synthetic(base: &Faq, size: usize, seed: u64) -> Faq {
    let words = vocabulary(base);
    let mut rng = Rng(seed.max(1));
    let themes: Vec<Theme> = if base.themes.is_empty() {
        vec![Theme {
            id: ThemeId::parse("tema").expect("valid slug"),
            name: "Tema".into(),
            description: String::new(),
            synonyms: Vec::new(),
            url: None,
        }]
    } else {
        base.themes.clone()
    };
    let entries = (0..size)
        .map(|i| {
            let theme = themes[i % themes.len()].id.clone();
            let q = (5 + rng.next() % 4) as usize;
            Entry {
                id: EntryId::new(&theme, &format!("post-{i}")).expect("valid slug"),
                theme,
                question: format!("{}?", rng.sentence(&words, q)),
                alternates: (0..3).map(|_| rng.sentence(&words, q)).collect(),
                alternates_en: Vec::new(),
                keywords: (0..4).map(|_| rng.pick(&words).clone()).collect(),
                episodes: Vec::new(),
                links: Vec::new(),
                updated: None,
                owner: None,
                review_by: None,
                draft: false,
                answer: rng.sentence(&words, 70),
                source: format!("synthetic/{i}.md").into(),
                lines: Default::default(),
            }
        })
        .collect();
    Faq {
        themes,
        entries,
        episodes: Vec::new(),
        glossary: base.glossary.clone(),
    }
}

/// Builds an index of each size and times every question against it.
pub fn run(base: &Faq, questions: &[String], sizes: &[usize]) -> Vec<Row> {
    sizes
        .iter()
        .map(|&size| {
            let faq = synthetic(base, size, 0x5eed + size as u64);
            let start = Instant::now();
            let engine = Engine::new(&faq, Glossary::base()).unwrap_or_else(|_| {
                Engine::new(&Faq::default(), Glossary::default()).expect("empty engine")
            });
            let build = start.elapsed();
            // Warm up caches once so the first question does not stand for cold memory.
            for q in questions.iter().take(20) {
                std::hint::black_box(engine.ask(q));
            }
            let mut times: Vec<Duration> = Vec::with_capacity(questions.len() * 3);
            for _ in 0..3 {
                for q in questions {
                    let t = Instant::now();
                    std::hint::black_box(engine.ask(q));
                    times.push(t.elapsed());
                }
            }
            times.sort();
            let at = |p: f64| {
                times
                    .get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)))
                    .copied()
                    .unwrap_or_default()
            };
            Row {
                entries: size,
                build,
                p50: at(0.50),
                p99: at(0.99),
                max: times.last().copied().unwrap_or_default(),
                questions: times.len(),
            }
        })
        .collect()
}

/// What `bench --log` measures: sustained question logging into SQLite while answering.
#[derive(Debug, Clone)]
pub struct LogRow {
    pub records: usize,
    /// From the first record handed over to the last row committed.
    pub elapsed: Duration,
    /// Answer path (match + redact + hand over) without and with the writer running.
    pub p99_alone: Duration,
    pub p99_logging: Duration,
    pub spooled: u64,
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get((v.len() * 99 / 100).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// Answers `records` questions as fast as one thread can, logging each through the real
/// writer into a SQLite file in `dir`, and waits until every row is in.
pub fn log_throughput(
    engine: &Engine,
    questions: &[String],
    records: usize,
    rate: Option<u32>,
    dir: &std::path::Path,
) -> Result<LogRow, crate::store::StoreError> {
    use crate::store::{Channel, LogWriter, Place, Record, Store};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| crate::store::StoreError::Spool(e.to_string()))?;
    let answer = |q: &str| {
        let o = engine.ask(q);
        Record::new(q, Channel::Cli, Place::default(), None, &o, None)
    };
    let alone: Vec<Duration> = questions
        .iter()
        .cycle()
        .take(records.min(20_000))
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(answer(q));
            t.elapsed()
        })
        .collect();
    rt.block_on(async {
        let url = format!("sqlite://{}/bench.db", dir.display());
        let store = Store::open(&url).await?;
        let (writer, log) = LogWriter::new(store.clone(), dir);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(writer.run(stopped));
        let start = Instant::now();
        let mut times = Vec::with_capacity(records);
        for q in questions.iter().cycle().take(records) {
            let t = Instant::now();
            log.record(answer(q));
            times.push(t.elapsed());
            if times.len() % 256 == 0 {
                match rate {
                    // Hold a steady arrival rate, as real traffic would.
                    Some(r) => {
                        let due =
                            start + Duration::from_secs_f64(times.len() as f64 / f64::from(r));
                        tokio::time::sleep_until(due.into()).await;
                    }
                    // Let the writer task in, as a server's other tasks would.
                    None => tokio::task::yield_now().await,
                }
            }
        }
        while store.count().await? < records as i64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = start.elapsed();
        let _ = stop.send(true);
        let _ = task.await;
        Ok(LogRow {
            records,
            elapsed,
            p99_alone: p99(alone),
            p99_logging: p99(times),
            spooled: log.stats.spooled.load(std::sync::atomic::Ordering::Relaxed),
        })
    })
}

/// What `bench --topics` measured.
#[derive(Debug, Clone)]
pub struct TopicsBench {
    pub questions: usize,
    pub topics: usize,
    /// Profiling and grouping every question from scratch.
    pub group: Duration,
    /// One new question: profile, vector, nearest topic.
    pub assign_p50: Duration,
    pub assign_p99: Duration,
}

/// Groups `n` synthetic logged questions from scratch, then assigns 2,000 more one by one.
/// Questions are made like real ones pile up: a few hundred matters, each with its own
/// words (drawn from the FAQ's vocabulary), asked in varying short sentences with filler.
pub fn topics(
    base: &Faq,
    n: usize,
    seed: u64,
) -> Result<TopicsBench, crate::answer::GlossaryError> {
    use crate::topics::group::{self, Params, Vocabulary};
    let engine = Engine::new(base, Glossary::base())?;
    let words: Vec<String> = vocabulary(base);
    let mut rng = Rng(seed | 1);
    let matters: Vec<Vec<String>> = (0..400)
        .map(|_| (0..3).map(|_| rng.pick(&words).clone()).collect())
        .collect();
    let question = |rng: &mut Rng| {
        let m = rng.pick(&matters);
        let filler = 1 + (rng.next() % 4) as usize;
        format!(
            "{} {} {}",
            rng.pick(m),
            rng.sentence(&words, filler),
            rng.pick(m)
        )
    };
    let texts: Vec<String> = (0..n).map(|_| question(&mut rng)).collect();
    let extra: Vec<String> = (0..2000).map(|_| question(&mut rng)).collect();

    let start = Instant::now();
    let mut vocab = Vocabulary::default();
    let vectors: Vec<_> = texts
        .iter()
        .map(|t| vocab.vector(&crate::topics::profile(&engine, t)))
        .collect();
    let g = group::group(&vectors, Params::default());
    let group_time = start.elapsed();

    let mut model = g.model;
    let mut times = Vec::with_capacity(extra.len());
    for t in &extra {
        let s = Instant::now();
        let v = vocab.vector(&crate::topics::profile(&engine, t));
        let hit = model.assign(&v);
        times.push(s.elapsed());
        if let Some((t, _)) = hit {
            model.add(t, &v);
        }
    }
    let mut sorted = times.clone();
    sorted.sort();
    Ok(TopicsBench {
        questions: n,
        topics: g.topics.len(),
        group: group_time,
        assign_p50: sorted[sorted.len() / 2],
        assign_p99: p99(times),
    })
}
