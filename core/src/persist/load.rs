//! Loading the RDB file at start-up (Redis' loadDataFromDisk). Until the file has been read
//! and loaded, commands without the `loading` flag are answered `-LOADING`. A file that is not
//! there is an empty dataset; a file that cannot be loaded stops the server, with the offset
//! and the reason in the log.

use super::Job;
use crate::disk::{DiskErrorKind, DiskOp, DiskResult};
use crate::server::{Output, Server};
use crate::LogLevel;

/// Redis' reply to a command refused while the dataset loads.
pub(crate) const LOADING: &[u8] = b"LOADING Redis is loading the dataset in memory";

impl Server {
    /// Asks for the RDB file; the server is loading until it arrives.
    pub(crate) fn begin_startup_load(&mut self) {
        self.persist.loading = true;
        let path = self.data_path(&self.cfg.dbfilename);
        self.submit(Job::Load, DiskOp::Read { path });
    }

    pub(super) fn load_read(&mut self, result: DiskResult) {
        self.persist.loading = false;
        let image = match result {
            Ok(data) => data.unwrap_or_default(),
            Err(e) if e.kind == DiskErrorKind::NotFound => return,
            Err(e) => return self.fatal_load_error(&e.message),
        };
        match self.load_image(&image, true, false) {
            Ok(()) => {
                let (loaded, expired) = (self.persist.keys_loaded, self.persist.keys_expired_on_load);
                self.log(
                    LogLevel::Notice,
                    format!("Done loading RDB, keys loaded: {loaded}, keys expired: {expired}."),
                );
                self.log(LogLevel::Notice, "DB loaded from disk");
            }
            Err(why) => self.fatal_load_error(&why),
        }
    }

    fn fatal_load_error(&mut self, why: &str) {
        self.log(
            LogLevel::Warning,
            format!("Fatal error loading the DB: {why}. Exiting."),
        );
        self.shutting_down = true;
        self.push_output(Output::Exit { code: 1 });
    }
}
