//! A per-user rate limit: at most N questions in a sliding window.
//!
//! Used by every adapter that takes questions from people (Discord, later HTTP). Time is
//! passed in, so tests do not sleep. Memory stays bounded: a user's record is dropped once
//! their window is empty, and the map is swept when it grows.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the limiter says about one more question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit. `tell` is true the first time in a window, so the user is told once
    /// and further messages are ignored rather than answered with the same notice.
    Limited {
        tell: bool,
    },
}

pub struct RateLimiter<K> {
    max: usize,
    window: Duration,
    users: Mutex<HashMap<K, User>>,
}

#[derive(Default)]
struct User {
    hits: VecDeque<Instant>,
    told: bool,
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: max.max(1) as usize,
            window,
            users: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, key: &K, now: Instant) -> Verdict {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() > 10_000 {
            let window = self.window;
            users.retain(|_, u| {
                u.hits
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let user = users.entry(key.clone()).or_default();
        while user
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            user.hits.pop_front();
        }
        if user.hits.len() < self.max {
            user.hits.push_back(now);
            user.told = false;
            Verdict::Allowed
        } else {
            let tell = !user.told;
            user.told = true;
            Verdict::Limited { tell }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_limited_and_told_once_then_the_window_reopens() {
        let rl = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(
                rl.check(&1u64, t0 + Duration::from_secs(i)),
                Verdict::Allowed
            );
        }
        assert_eq!(
            rl.check(&1, t0 + Duration::from_secs(4)),
            Verdict::Limited { tell: true }
        );
        assert_eq!(
            rl.check(&1, t0 + Duration::from_secs(5)),
            Verdict::Limited { tell: false }
        );
        // Another user is not affected.
        assert_eq!(rl.check(&2, t0 + Duration::from_secs(5)), Verdict::Allowed);
        // A minute after the first question, one slot is free again.
        assert_eq!(rl.check(&1, t0 + Duration::from_secs(60)), Verdict::Allowed);
    }
}
