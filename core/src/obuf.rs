//! Output-buffer limits (Redis' client-output-buffer-limit): per client class a hard limit
//! and a soft limit with a grace period on the bytes handed to a client but not yet written to
//! its socket. A client over them is closed at once, dropping what it has not read, so one
//! slow reader cannot make the server's memory grow without bound.

use crate::client::ClientId;
use crate::server::{Output, Server};
use crate::LogLevel;

/// The client classes limits apply to (Redis' normal, replica, pubsub).
pub const CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// One class's limits: 0 disables a limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limit {
    pub hard: u64,
    pub soft: u64,
    pub soft_secs: u64,
}

/// Redis' defaults: normal clients unlimited, replicas 256mb/64mb/60s, pubsub 32mb/8mb/60s.
pub fn defaults() -> [Limit; 3] {
    let mb = 1024 * 1024;
    [
        Limit::default(),
        Limit {
            hard: 256 * mb,
            soft: 64 * mb,
            soft_secs: 60,
        },
        Limit {
            hard: 32 * mb,
            soft: 8 * mb,
            soft_secs: 60,
        },
    ]
}

/// Applies `class hard soft seconds` groups (CONFIG SET or a config line) over `limits`;
/// the error is Redis' reason.
pub fn parse(words: &[String], limits: &mut [Limit; 3]) -> Result<(), String> {
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut next = *limits;
    for group in words.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
        };
        let memory = |s: &str| crate::config::parse_memory(s).filter(|v| *v >= 0).map(|v| v as u64);
        let secs = crate::resp::parse_i64(group[3].as_bytes()).filter(|v| *v >= 0);
        let (Some(hard), Some(soft), Some(secs)) = (memory(&group[1]), memory(&group[2]), secs) else {
            return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into());
        };
        next[class] = Limit {
            hard,
            soft,
            soft_secs: secs as u64,
        };
    }
    *limits = next;
    Ok(())
}

/// CONFIG GET's rendering: every class, bytes and seconds.
pub fn render(limits: &[Limit; 3]) -> Vec<String> {
    CLASSES
        .iter()
        .zip(limits)
        .flat_map(|(c, l)| {
            [
                c.to_string(),
                l.hard.to_string(),
                l.soft.to_string(),
                l.soft_secs.to_string(),
            ]
        })
        .collect()
}

impl Server {
    /// The limits of `id`'s class (monitors count as normal clients, as in Redis).
    fn limit_of(&self, id: ClientId) -> Option<Limit> {
        let c = self.clients.get(&id)?;
        let class = if c.replica {
            1
        } else if c.subs.any() {
            2
        } else {
            0
        };
        Some(self.cfg.obuf_limits[class])
    }

    /// Checks `id`'s unwritten output against its limits; closes it at once when over the
    /// hard limit, or over the soft one for longer than allowed.
    pub(crate) fn check_output_limits(&mut self, id: ClientId) {
        let Some(limit) = self.limit_of(id) else { return };
        let now = self.clock.mono_us();
        let Some(c) = self.clients.get_mut(&id) else { return };
        let pending = c.pending_output();
        let over_hard = limit.hard > 0 && pending >= limit.hard;
        let over_soft = limit.soft > 0 && pending > limit.soft;
        let soft_expired = match (over_soft, c.obuf_soft_since) {
            (false, _) => {
                c.obuf_soft_since = None;
                false
            }
            // Redis never closes on the first sight of the soft limit, only once it has held
            // for longer than the grace period.
            (true, None) => {
                c.obuf_soft_since = Some(now);
                false
            }
            (true, Some(since)) => now.saturating_sub(since) > limit.soft_secs * 1_000_000,
        };
        if !over_hard && !soft_expired {
            return;
        }
        let addr = c.conn.addr.clone();
        self.log(
            LogLevel::Warning,
            format!("Client id={id} addr={addr} scheduled to be closed ASAP for overcoming of output buffer limits."),
        );
        self.abort_client(id);
    }

    /// Closes `id` now, discarding what it has not read.
    pub(crate) fn abort_client(&mut self, id: ClientId) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.reply.buf.clear();
        }
        self.forget_client_state(id);
        if self.clients.remove(&id).is_some() {
            self.push_output(Output::Abort { client: id });
        }
    }

    /// The driver reports what `client` has not written yet.
    pub(crate) fn on_backlog(&mut self, client: ClientId, bytes: u64) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.unsent = bytes;
        }
        self.check_output_limits(client);
    }

    /// The cron's pass over slow readers: a soft limit's grace period runs out without any
    /// new event from them.
    pub(crate) fn check_all_output_limits(&mut self) {
        let slow: Vec<ClientId> = self.clients.values().filter(|c| c.unsent > 0).map(|c| c.id).collect();
        for id in slow {
            self.check_output_limits(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_render_like_redis() {
        let mut l = defaults();
        let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        parse(&words("pubsub 1mb 256kb 10 replica 0 0 0"), &mut l).unwrap();
        assert_eq!(
            render(&l).join(" "),
            "normal 0 0 0 slave 0 0 0 pubsub 1048576 262144 10"
        );
        assert!(parse(&words("pubsub 1mb 256kb"), &mut l).is_err());
        assert!(parse(&words("other 1 1 1"), &mut l).is_err());
        assert!(parse(&words("normal -1 0 0"), &mut l).is_err());
    }
}
