//! A tiny in-process driver: connect clients, send commands, read the raw reply bytes. Used by
//! unit tests, the fuzz targets and anyone who wants the core without sockets.

use crate::client::{ClientId, ConnInfo};
use crate::config::Config;
use crate::resp::{Args, ParseLimits, RequestParser};
use crate::server::{Event, Output, Server, ServerEnv};
use crate::time::Now;

pub struct Harness {
    pub srv: Server,
    pub now: Now,
    /// Outputs other than replies to the client being driven (logs, closes, exits).
    pub other: Vec<Output>,
    /// Binding new listeners fails with this (CONFIG SET port), when set.
    pub listen_fails: Option<String>,
    /// Where disk requests are carried out, at once.
    pub disk: crate::disk::MemDisk,
}

impl Harness {
    pub fn new(cfg: Config) -> Harness {
        let now = Now::new(1_700_000_000_000, 1_000_000);
        Harness {
            srv: Server::new(cfg, ServerEnv::default(), 42, now),
            now,
            other: Vec::new(),
            listen_fails: None,
            disk: Default::default(),
        }
    }

    pub fn connect(&mut self, id: ClientId, loopback: bool) -> Vec<u8> {
        let conn = ConnInfo {
            addr: format!("{}:{}", if loopback { "127.0.0.1" } else { "10.0.0.9" }, 40000 + id),
            laddr: "127.0.0.1:6379".into(),
            fd: id as i64 + 7,
            loopback,
            unix: false,
        };
        self.event(id, Event::Connected { client: id, conn })
    }

    /// Feeds an event and returns the bytes sent to `id` as a result.
    pub fn event(&mut self, id: ClientId, ev: Event) -> Vec<u8> {
        let mut events = std::collections::VecDeque::from([ev]);
        let mut bytes = Vec::new();
        while let Some(ev) = events.pop_front() {
            self.srv.handle(self.now, ev);
            while let Some(o) = self.srv.poll_output() {
                match o {
                    Output::Send { client, data } if client == id => bytes.extend(data),
                    Output::Disk { req, op, .. } => {
                        let result = self.disk.apply(op);
                        events.push_back(Event::Disk { req, result });
                    }
                    Output::Listen { bind, port } => {
                        let result = match &self.listen_fails {
                            Some(why) => Err(why.clone()),
                            None => Ok(()),
                        };
                        events.push_back(Event::Listened { result });
                        self.other.push(Output::Listen { bind, port });
                    }
                    other => self.other.push(other),
                }
            }
        }
        bytes
    }

    /// The lines the server logged so far, in order.
    pub fn logs(&self) -> Vec<String> {
        self.other
            .iter()
            .filter_map(|o| match o {
                Output::Log { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// Sends one command given as words; returns the reply bytes as a lossy string.
    pub fn cmd(&mut self, id: ClientId, words: &[&str]) -> String {
        let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        String::from_utf8_lossy(&self.cmd_bytes(id, &words)).into_owned()
    }

    /// Sends one command of binary arguments; returns the reply bytes.
    pub fn cmd_bytes(&mut self, id: ClientId, words: &[&[u8]]) -> Vec<u8> {
        let args: Args = words.iter().map(|w| w.to_vec()).collect();
        self.event(
            id,
            Event::Commands {
                client: id,
                cmds: vec![args],
            },
        )
    }

    /// Sends raw protocol bytes through a parser, as a backend would (its query buffer's usage
    /// first, when that changed).
    pub fn raw(&mut self, id: ClientId, parser: &mut RequestParser, bytes: &[u8]) -> Vec<u8> {
        parser.feed(bytes);
        let limits: ParseLimits = self.srv.parse_limits(id);
        let mut cmds = Vec::new();
        let res = parser.parse_into(&limits, &mut cmds);
        let mut out = Vec::new();
        if let Some(usage) = parser.usage_changed() {
            out.extend(self.event(id, Event::QueryBuffer { client: id, usage }));
        }
        out.extend(self.event(id, Event::Commands { client: id, cmds }));
        if let Err(error) = res {
            out.extend(self.event(id, Event::ProtocolError { client: id, error }));
        }
        out
    }

    /// Takes the bytes sent so far to `id` while driving other clients (a blocked client's
    /// reply comes in another client's turn).
    pub fn take_sent(&mut self, id: ClientId) -> String {
        String::from_utf8_lossy(&self.take_sent_bytes(id)).into_owned()
    }

    /// [`Harness::take_sent`], the bytes as they are (binary streams such as a snapshot).
    pub fn take_sent_bytes(&mut self, id: ClientId) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.other.retain(|o| match o {
            Output::Send { client, data } if *client == id => {
                bytes.extend_from_slice(data);
                false
            }
            _ => true,
        });
        bytes
    }

    /// The last connection the server asked for ([`Output::Connect`]: id, host, port), taken
    /// out of `other` with any earlier ones.
    pub fn take_connect(&mut self) -> Option<(ClientId, String, u16)> {
        let found = self.other.iter().rev().find_map(|o| match o {
            Output::Connect { client, host, port } => Some((*client, host.clone(), *port)),
            _ => None,
        });
        self.other.retain(|o| !matches!(o, Output::Connect { .. }));
        found
    }

    /// Reports how opening connection `link` went ([`Event::Outbound`]); returns what the
    /// server sent on it in return.
    pub fn link_opened(&mut self, link: ClientId, result: Result<(), String>) -> Vec<u8> {
        self.event(link, Event::Outbound { client: link, result })
    }

    /// Delivers `bytes` on connection `link` (one the server opened); returns what the server
    /// sent on it in return.
    pub fn link_data(&mut self, link: ClientId, bytes: &[u8]) -> Vec<u8> {
        let data = Event::Data {
            client: link,
            bytes: bytes.to_vec(),
        };
        self.event(link, data)
    }

    /// Was `id` told to close?
    pub fn closed(&self, id: ClientId) -> bool {
        self.other.contains(&Output::Close { client: id })
    }
}
