//! The trace hash: FNV-1a over everything that happened, in order. Two runs of one seed must
//! produce the same hash; it is printed last so CI can compare replays.

pub struct TraceHasher {
    state: u64,
    events: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            state: 0xcbf2_9ce4_8422_2325,
            events: 0,
        }
    }
}

impl TraceHasher {
    pub fn bytes(&mut self, data: &[u8]) {
        for &b in data {
            self.state ^= u64::from(b);
            self.state = self.state.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Records one event: a tag, a time, a number and a payload.
    pub fn event(&mut self, tag: &str, at_us: u64, n: u64, payload: &[u8]) {
        self.events += 1;
        self.bytes(tag.as_bytes());
        self.bytes(&at_us.to_le_bytes());
        self.bytes(&n.to_le_bytes());
        self.bytes(&(payload.len() as u64).to_le_bytes());
        self.bytes(payload);
    }

    pub fn hash(&self) -> u64 {
        self.state
    }

    pub fn events(&self) -> u64 {
        self.events
    }
}
