//! The check of a replication run: each node is probed with `INFO replication`,
//! `DEBUG DIGEST`, `INFO stats` and `INFO replication` again, pipelined. When the two INFOs
//! show the same offset, nothing of the stream ran between them, so the digest is the
//! dataset's at that offset. Replicas that are linked, at the master's replication id and
//! offset, must then hold the master's digest.

use ferrous_io_sim::{NodeId, Value};

/// The probe's commands, in order.
pub const PROBE: [&[&str]; 4] = [
    &["INFO", "replication"],
    &["DEBUG", "DIGEST"],
    &["INFO", "stats"],
    &["INFO", "replication"],
];

/// What one node answered to the probe.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    pub role: String,
    pub master_host: String,
    pub link_up: bool,
    pub replid: String,
    /// master_repl_offset before and after the digest.
    pub offset: u64,
    pub offset_after: u64,
    pub digest: String,
    pub sync_full: u64,
    pub expired_keys: u64,
}

impl Probe {
    /// Takes the reply to command `part` of [`PROBE`].
    pub fn take(&mut self, part: usize, reply: &Value) -> Result<(), String> {
        let text = match reply {
            Value::Bulk(b) | Value::Simple(b) => String::from_utf8_lossy(b).into_owned(),
            Value::Verbatim { text, .. } => String::from_utf8_lossy(text).into_owned(),
            other => return Err(format!("{:?} answered {other:?}", PROBE[part])),
        };
        let number = |name| field(&text, name).and_then(|v| v.parse().ok()).unwrap_or(0);
        match part {
            0 => {
                self.role = field(&text, "role").unwrap_or_default().to_string();
                self.master_host = field(&text, "master_host").unwrap_or_default().to_string();
                self.link_up = field(&text, "master_link_status") == Some("up");
                self.replid = field(&text, "master_replid").unwrap_or_default().to_string();
                self.offset = number("master_repl_offset");
            }
            1 => self.digest = text,
            2 => {
                self.sync_full = number("sync_full");
                self.expired_keys = number("expired_keys");
            }
            _ => {
                self.offset_after = number("master_repl_offset");
                self.link_up &= field(&text, "master_link_status") == Some("up");
            }
        }
        Ok(())
    }
}

/// The value of `name` in INFO's `name:value` lines.
fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim_end)
}

pub enum Verdict {
    /// Not there yet: a replica is down, unlinked, or behind.
    Waiting,
    Converged,
    /// At equal offsets of the same history, the datasets differ.
    Diverged(String),
}

/// Whether the replicas reached the master (node 0): `masters[i]` is node i's master.
pub fn judge(probes: &[Option<Probe>], masters: &[Option<NodeId>]) -> Verdict {
    let Some(found) = probes.iter().cloned().collect::<Option<Vec<Probe>>>() else {
        return Verdict::Waiting;
    };
    let top = &found[0];
    let stable = |p: &Probe| p.offset == p.offset_after;
    if top.role != "master" || !stable(top) {
        return Verdict::Waiting;
    }
    let caught_up = found.iter().zip(masters).skip(1).all(|(p, m)| {
        let host = m.map(|m| format!("node{m}")).unwrap_or_default();
        p.role == "slave"
            && p.master_host == host
            && p.link_up
            && stable(p)
            && p.offset == top.offset
            && p.replid == top.replid
    });
    if !caught_up {
        return Verdict::Waiting;
    }
    if found.iter().all(|p| p.digest == top.digest) {
        Verdict::Converged
    } else {
        Verdict::Diverged(format!(
            "the replicas are at the master's offset {} but their digests differ:\n{}",
            top.offset,
            describe(probes)
        ))
    }
}

/// Each node's `DEBUG DIGEST-VALUE` of every key, per database.
pub type KeyDigests = Vec<Vec<String>>;

/// The keys whose digests differ between the nodes, as `db<n> <key>: <node digests>` lines.
pub fn differing_keys(nodes: &[Option<KeyDigests>], keys: &[String]) -> String {
    let Some(found) = nodes.iter().cloned().collect::<Option<Vec<KeyDigests>>>() else {
        return "  (a node did not answer DEBUG DIGEST-VALUE)".into();
    };
    let mut lines = Vec::new();
    for (db, first) in found[0].iter().enumerate() {
        for (k, key) in keys.iter().enumerate() {
            let each: Vec<&str> = found.iter().map(|n| n[db].get(k).map_or("?", |d| &d[..8])).collect();
            if each.iter().any(|d| *d != each[0]) || first.get(k).is_none() {
                lines.push(format!("  db{db} {key}: {}", each.join(" ")));
            }
        }
    }
    if lines.is_empty() {
        return "  (none now: the difference is gone)".into();
    }
    lines.join("\n")
}

/// One line per node, for a failure message.
pub fn describe(probes: &[Option<Probe>]) -> String {
    let line = |(i, p): (usize, &Option<Probe>)| match p {
        None => format!("  node{i}: no answer (down, or not probed yet)"),
        Some(p) => format!(
            "  node{i}: role {}{}, link {}, replid {}, offset {} ({} after the digest), digest {}",
            p.role,
            if p.master_host.is_empty() {
                String::new()
            } else {
                format!(" of {}", p.master_host)
            },
            if p.link_up { "up" } else { "down" },
            p.replid,
            p.offset,
            p.offset_after,
            p.digest
        ),
    };
    probes.iter().enumerate().map(line).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(role: &str, host: &str, offset: u64, digest: &str) -> Option<Probe> {
        Some(Probe {
            role: role.into(),
            master_host: host.into(),
            link_up: role == "slave",
            replid: "r".into(),
            offset,
            offset_after: offset,
            digest: digest.into(),
            ..Probe::default()
        })
    }

    #[test]
    fn info_fields_are_read_by_exact_name() {
        let info = "# Replication\r\nrole:slave\r\nmaster_repl_offset:42\r\nmaster_replid:abc\r\n";
        assert_eq!(field(info, "role"), Some("slave"));
        assert_eq!(field(info, "master_repl_offset"), Some("42"));
        assert_eq!(field(info, "master_repl"), None);
    }

    #[test]
    fn equal_offsets_demand_equal_digests() {
        let masters = [None, Some(0), Some(1)];
        let ok = [
            probe("master", "", 9, "d"),
            probe("slave", "node0", 9, "d"),
            probe("slave", "node1", 9, "d"),
        ];
        assert!(matches!(judge(&ok, &masters), Verdict::Converged));
        let behind = [ok[0].clone(), ok[1].clone(), probe("slave", "node1", 8, "x")];
        assert!(matches!(judge(&behind, &masters), Verdict::Waiting));
        let wrong_master = [ok[0].clone(), ok[1].clone(), probe("slave", "node0", 9, "d")];
        assert!(matches!(judge(&wrong_master, &masters), Verdict::Waiting));
        let diverged = [ok[0].clone(), ok[1].clone(), probe("slave", "node1", 9, "x")];
        assert!(matches!(judge(&diverged, &masters), Verdict::Diverged(_)));
        assert!(matches!(
            judge(&[ok[0].clone(), None, None], &masters),
            Verdict::Waiting
        ));
    }
}
