//! What `/metrics` exposes, in the Prometheus/OpenMetrics text format (`prometheus-client`).
//!
//! Counters are bumped where things happen (the answer path, the Discord adapter); gauges
//! that mirror state elsewhere (queue depth, spool, FAQ size) are read at scrape time, so
//! they can never drift. Labels are low-cardinality: outcome, theme id, event kind — never
//! a question's text or an asker.

use std::sync::atomic::Ordering;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::LogHandle;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuestionLabels {
    channel: String,
    outcome: String,
    theme: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

pub struct Metrics {
    registry: Registry,
    questions: Family<QuestionLabels, Counter>,
    latency: Histogram,
    discord_events: Family<KindLabel, Counter>,
    reloads: Family<KindLabel, Counter>,
    feed_syncs: Family<KindLabel, Counter>,
    queue_depth: Gauge,
    spooled: Gauge,
    written: Gauge,
    write_failures: Gauge,
    faq_entries: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kommunbot");
        let questions = Family::<QuestionLabels, Counter>::default();
        registry.register(
            "questions",
            "Questions answered, by channel, outcome and theme",
            questions.clone(),
        );
        // 10 µs … ~330 ms: the engine answers in well under a millisecond.
        let latency = Histogram::new(exponential_buckets(0.000_01, 2.0, 16));
        registry.register(
            "answer_seconds",
            "Time to answer a question (engine and reply), in seconds",
            latency.clone(),
        );
        let discord_events = Family::<KindLabel, Counter>::default();
        registry.register(
            "discord_events",
            "Discord events handled, by kind",
            discord_events.clone(),
        );
        let reloads = Family::<KindLabel, Counter>::default();
        registry.register(
            "faq_reloads",
            "FAQ reloads, by result (ok, refused)",
            reloads.clone(),
        );
        let feed_syncs = Family::<KindLabel, Counter>::default();
        registry.register(
            "feed_syncs",
            "Podcast feed syncs, by result (updated, not_modified, failed)",
            feed_syncs.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let queue_depth = gauge(
            &mut registry,
            "log_queue_depth",
            "Question records waiting in memory",
        );
        let spooled = gauge(
            &mut registry,
            "log_spooled_records",
            "Records written to the spool file since start (database unavailable or queue full)",
        );
        let written = gauge(
            &mut registry,
            "log_written_records",
            "Records written to the database since start",
        );
        let write_failures = gauge(
            &mut registry,
            "log_write_failures",
            "Failed database writes since start",
        );
        let faq_entries = gauge(&mut registry, "faq_entries", "Entries served");
        Self {
            registry,
            questions,
            latency,
            discord_events,
            reloads,
            feed_syncs,
            queue_depth,
            spooled,
            written,
            write_failures,
            faq_entries,
        }
    }

    pub fn question(&self, channel: &str, outcome: &str, theme: Option<&str>, seconds: f64) {
        self.questions
            .get_or_create(&QuestionLabels {
                channel: channel.into(),
                outcome: outcome.into(),
                theme: theme.unwrap_or("-").into(),
            })
            .inc();
        self.latency.observe(seconds);
    }

    pub fn discord_event(&self, kind: &str) {
        self.discord_events
            .get_or_create(&KindLabel { kind: kind.into() })
            .inc();
    }

    pub fn reload(&self, ok: bool) {
        let kind = if ok { "ok" } else { "refused" };
        self.reloads
            .get_or_create(&KindLabel { kind: kind.into() })
            .inc();
    }

    pub fn feed_sync(&self, result: &str) {
        self.feed_syncs
            .get_or_create(&KindLabel {
                kind: result.into(),
            })
            .inc();
    }

    /// The text exposition, with the state gauges read now.
    pub fn render(&self, log: &LogHandle, faq_entries: usize) -> String {
        self.queue_depth.set(log.depth() as i64);
        let st = &log.stats;
        self.spooled.set(st.spooled.load(Ordering::Relaxed) as i64);
        self.written.set(st.written.load(Ordering::Relaxed) as i64);
        self.write_failures
            .set(st.failures.load(Ordering::Relaxed) as i64);
        self.faq_entries.set(faq_entries as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PendingLog;

    #[test]
    fn counters_and_gauges_show_in_the_text_format() {
        let d = tempfile::tempdir().unwrap();
        let (_p, log) = PendingLog::new(d.path());
        let m = Metrics::new();
        m.question("discord", "answer", Some("snorojning"), 0.0002);
        m.question("http", "no_answer", None, 0.0001);
        m.discord_event("message");
        m.reload(false);
        let text = m.render(&log, 35);
        assert!(
            text.contains(
                "kommunbot_questions_total{channel=\"discord\",outcome=\"answer\",theme=\"snorojning\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("kommunbot_answer_seconds_count 2"), "{text}");
        assert!(text.contains("kommunbot_discord_events_total{kind=\"message\"} 1"));
        assert!(text.contains("kommunbot_faq_reloads_total{kind=\"refused\"} 1"));
        assert!(text.contains("kommunbot_faq_entries 35"));
        assert!(text.contains("kommunbot_log_queue_depth 0"));
        assert!(text.ends_with("# EOF\n"));
    }
}
