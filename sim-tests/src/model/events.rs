//! The events a server gets, as the model takes them: a connection's commands (run in order,
//! the rest queued once one blocks), its broken request, a tick of the server's clock, a
//! disconnection. Each may owe replies to several clients (a push serves a blocked client; a
//! tick times one out); they are collected in the order the server produces them.

use std::collections::VecDeque;

use ferrous_core::{ClientId, Now};

use super::blocking::Pending;
use super::{is_http, Call, Expect, Model, Outcome};

/// A reply a client is owed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owed {
    Reply {
        client: ClientId,
        /// The command answered.
        args: Vec<Vec<u8>>,
        expect: Expect,
    },
    /// The protocol error for the client's broken request; the connection closes after it.
    ProtocolError { client: ClientId },
}

impl Model {
    /// A batch of commands from one connection.
    pub fn commands(&mut self, id: ClientId, cmds: &[Vec<Vec<u8>>], now: Now) {
        let items = cmds.iter().cloned().map(Pending::Command).collect();
        self.run_batch(id, items, now);
        self.run_released(now);
    }

    /// The connection's input broke the protocol after what it sent before. Redis parses
    /// nothing of a blocked client's input, so there the error waits behind its queue.
    pub fn protocol_error(&mut self, id: ClientId, now: Now) {
        self.run_batch(id, VecDeque::from([Pending::ProtocolError]), now);
        self.run_released(now);
    }

    /// The server's clock ticked: blocked clients whose deadline has come time out.
    pub fn tick(&mut self, now: Now) {
        self.expire_waiters(now);
        self.run_released(now);
    }

    pub fn disconnect(&mut self, id: ClientId) {
        self.forget_blocked(id);
        if self.sessions.contains_key(&id) {
            self.forget(id);
        }
    }

    /// The server frees the client: its watches and subscriptions go with it.
    fn forget(&mut self, id: ClientId) {
        self.unwatch_all(id);
        self.unsubscribe_all(id);
        self.sessions.remove(&id);
    }

    /// The replies owed since the last call, in the order the server produces them.
    pub fn take_owed(&mut self) -> Vec<Owed> {
        std::mem::take(&mut self.owed)
    }

    /// Runs one command for `id` as a batch of its own and returns the reply it owes `id` now:
    /// `None` if the command blocked, was queued, or the connection no longer runs commands.
    /// Replies owed to others stay for [`Model::take_owed`].
    pub fn execute(&mut self, id: ClientId, args: &[Vec<u8>], now: Now) -> Option<Expect> {
        let before = self.owed.len();
        self.commands(id, &[args.to_vec()], now);
        let at = self.owed[before..]
            .iter()
            .position(|o| matches!(o, Owed::Reply { client, .. } if *client == id))?;
        match self.owed.remove(before + at) {
            Owed::Reply { expect, .. } => Some(expect),
            Owed::ProtocolError { .. } => None,
        }
    }

    pub(super) fn owe(&mut self, client: ClientId, args: Vec<Vec<u8>>, expect: Expect) {
        self.owed.push(Owed::Reply { client, args, expect });
    }

    /// Runs `id`'s input in order until it blocks (the rest waits) or stops being served.
    pub(super) fn run_batch(&mut self, id: ClientId, mut items: VecDeque<Pending>, now: Now) {
        while let Some(item) = items.pop_front() {
            if !self.is_serving(id) {
                return;
            }
            if self.is_blocked(id) {
                items.push_front(item);
                return self.defer(id, items);
            }
            match item {
                Pending::Command(args) => self.run_command(id, &args, now),
                Pending::ProtocolError => {
                    self.forget(id);
                    self.owed.push(Owed::ProtocolError { client: id });
                }
            }
        }
    }

    /// One command, then the clients its changes wake (Redis' processCommand).
    fn run_command(&mut self, id: ClientId, args: &[Vec<u8>], now: Now) {
        if args.is_empty() {
            return;
        }
        if is_http(&args[0]) {
            // Redis' defence against cross-protocol scripting: a browser tricked into talking
            // to Redis sends `POST ...` or `Host: ...`. The connection is dropped without a
            // reply and nothing more it sent is run.
            self.close(id);
            return;
        }
        let db = self.session(id).db;
        let watched = self.watch(db, now);
        let call = Call { id, args, now };
        let before = self.watched_before();
        let outcome = self.dispatch(&call);
        self.check_signalled(before, args);
        if let Outcome::Reply(expect) = outcome {
            self.owe(id, args.to_vec(), expect);
        }
        self.signal_created(db, watched, now);
        self.handle_ready(now);
    }
}
