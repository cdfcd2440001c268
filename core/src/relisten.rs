//! CONFIG SET port / bind: the driver binds the new listeners while the server waits, as Redis
//! binds inside the command. If that fails every value the CONFIG SET changed comes back (the
//! driver keeps the old listeners) and the command gets Redis' error instead of +OK.

use crate::client::ClientId;
use crate::server::{Output, Server};
use crate::LogLevel;

pub(crate) struct Relisten {
    /// Who waits for the reply; none inside EXEC, whose reply cannot wait (+OK went out).
    client: Option<ClientId>,
    /// What the CONFIG SET changed, as it was before: a failure sets it back.
    before: Vec<(&'static str, String)>,
    /// The argument Redis' error names.
    arg: &'static str,
}

impl Server {
    /// Asks the driver to listen on the configuration's new port and addresses.
    pub(crate) fn relisten(
        &mut self,
        client: Option<ClientId>,
        before: Vec<(&'static str, String)>,
        arg: &'static str,
    ) {
        self.relisten = Some(Relisten { client, before, arg });
        let out = Output::Listen {
            bind: self.cfg.bind.clone(),
            port: self.cfg.port as u16,
        };
        self.push_output(out);
    }

    /// Whether a client waits for the listeners, with the whole server.
    pub(crate) fn waits_for_listen(&self) -> bool {
        self.relisten.as_ref().is_some_and(|r| r.client.is_some())
    }

    pub(crate) fn on_listened(&mut self, result: Result<(), String>) {
        let Some(r) = self.relisten.take() else {
            return;
        };
        match result {
            Ok(()) => {
                if let Some(id) = r.client {
                    self.answer(id, |out| out.ok());
                }
            }
            Err(why) => {
                self.log(LogLevel::Warning, why);
                // As Redis' restoreBackupConfig: the values go back and are applied again.
                let appendonly = self.cfg.appendonly;
                self.cfg.restore(&r.before);
                if self.cfg.appendonly != appendonly {
                    self.apply_appendonly(r.client.is_none());
                }
                let msg = match r.arg {
                    "bind" => "Failed to bind to specified addresses.",
                    _ => "Unable to listen on this port. Check server logs.",
                };
                let text = format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - {msg}",
                    r.arg
                );
                if let Some(id) = r.client {
                    self.answer(id, |out| out.error(&text));
                }
            }
        }
    }
}
