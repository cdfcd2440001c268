//! Start-up steps of the AOF that Redis does before serving (aofUpgradePrepare and
//! aofOpenIfNeededOnServerStart): an `appendfilename` file found in `dir`, the single AOF of
//! Redis 6.2 or older, is moved into the AOF directory as the base of a new manifest; and a
//! loaded AOF without an incr file gets one. Each step is a disk request carried out in order;
//! any failure stops the server, as Redis exits on it.

use super::aof::Manifest;
use super::aof_load::AofLoad;
use super::Job;
use crate::disk::{DiskOp, DiskResult};
use crate::server::{Output, Server};
use crate::LogLevel;

impl Server {
    /// Redis' upgrade cases: no manifest (or no AOF directory) at all, or a manifest that
    /// names only a base called `appendfilename` that is not in the AOF directory (an upgrade
    /// stopped before the move).
    pub(super) fn may_be_old_aof(&self, load: &AofLoad) -> bool {
        if load.probing_old || load.client.is_some() {
            return false;
        }
        match &load.manifest {
            None => true,
            Some(m) => {
                m.incrs.is_empty()
                    && m.base
                        .as_ref()
                        .is_some_and(|(name, _)| *name == self.cfg.appendfilename)
            }
        }
    }

    /// Reads `appendfilename` in `dir`: if it is there, it is moved in.
    pub(super) fn probe_old_aof(&mut self, mut load: AofLoad) {
        load.probing_old = true;
        self.persist.aof_load = Some(load);
        let path = self.data_path(&self.cfg.appendfilename);
        self.submit(Job::AofLoad, DiskOp::Read { path });
    }

    /// The old AOF is there: the AOF directory, a manifest naming it as the base (seq 1), and
    /// the move into the directory; it loads once all that is on disk.
    pub(super) fn upgrade_old_aof(&mut self, mut load: AofLoad) {
        let name = self.cfg.appendfilename.clone();
        let (dir, dirname) = (self.aof_dir(), self.cfg.appenddirname.clone());
        let manifest = Manifest {
            base: Some((name.clone(), 1)),
            base_seq: 1,
            ..Manifest::default()
        };
        let mut steps = vec![(
            DiskOp::CreateDir { path: dir.clone() },
            format!("Can't open or create append-only dir {dir}"),
        )];
        for op in self.manifest_ops(&manifest) {
            steps.push((op, "Can't persist the AOF manifest file".to_string()));
        }
        let (from, to) = (self.data_path(&name), self.aof_file(&name));
        steps.push((
            DiskOp::Rename { from, to: to.clone() },
            format!("Error trying to move the old AOF file {name} into dir {dirname}"),
        ));
        steps.push((
            DiskOp::FsyncDir { path: self.data_dir() },
            format!("Error trying to move the old AOF file {name} into dir {dirname}"),
        ));
        load.probing_old = false;
        load.upgrading = true;
        load.files.clear();
        load.files.push_back((to, name, true));
        load.manifest = Some(manifest);
        self.persist.aof_load = Some(load);
        self.submit_start_steps(steps);
    }

    /// Appends go on in the last incr file of the AOF loaded at start-up; without one (a base
    /// alone, as after an upgrade) a new one is named in the manifest before anything is
    /// appended to it.
    pub(super) fn open_incr_on_start(&mut self, manifest: &mut Manifest) {
        if let Some((name, _)) = manifest.incrs.last() {
            let line = format!("Opening AOF incr file {name} on server start");
            return self.log(LogLevel::Notice, line);
        }
        let name = manifest.add_incr(&self.cfg.appendfilename);
        let line = format!("Creating AOF incr file {name} on server start");
        self.log(LogLevel::Notice, line);
        let path = self.aof_file(&name);
        let dir = self.aof_dir();
        let mut steps = vec![
            (
                DiskOp::CreateDir { path: dir.clone() },
                format!("Can't open or create append-only dir {dir}"),
            ),
            (
                DiskOp::Write {
                    path,
                    data: Vec::new(),
                    truncate: false,
                },
                format!("Can't open the append-only file {name}"),
            ),
        ];
        for op in self.manifest_ops(manifest) {
            steps.push((op, "Can't persist the AOF manifest file".to_string()));
        }
        self.submit_start_steps(steps);
    }

    fn submit_start_steps(&mut self, steps: Vec<(DiskOp, String)>) {
        self.persist.aof.start_steps.extend(steps);
        if self.persist.aof.start_step.is_none() {
            self.next_start_step();
        }
    }

    /// Asks for the next step; whether there was one.
    fn next_start_step(&mut self) -> bool {
        let Some((op, why)) = self.persist.aof.start_steps.pop_front() else {
            return false;
        };
        self.persist.aof.start_step = Some(why);
        self.submit(Job::AofStart, op);
        true
    }

    /// A start-up step completed: a failure stops the server before any later step runs (a
    /// manifest is never renamed in after its temp file failed); after the last step, appends
    /// go on, and an upgrade lets the moved file load.
    pub(super) fn aof_start_progress(&mut self, result: DiskResult) {
        let why = self.persist.aof.start_step.take().unwrap_or_default();
        if let Err(e) = result {
            self.log(LogLevel::Warning, format!("{why}: {}", e.message));
            self.persist.aof.start_steps.clear();
            self.persist.aof_load = None;
            self.persist.loading = false;
            self.shutting_down = true;
            return self.push_output(Output::Exit { code: 1 });
        }
        if self.next_start_step() {
            return;
        }
        self.aof_flush(false);
        if std::mem::take(&mut self.persist.aof.gc_after_start) {
            self.aof_gc_history(None);
        }
        let upgraded = self.persist.aof_load.as_ref().is_some_and(|l| l.upgrading);
        if !upgraded {
            return;
        }
        if let Some(load) = self.persist.aof_load.as_mut() {
            load.upgrading = false;
        }
        let (name, dir) = (&self.cfg.appendfilename, &self.cfg.appenddirname);
        self.log(
            LogLevel::Notice,
            format!("Successfully migrated an old-style AOF file ({name}) into the AOF directory ({dir})."),
        );
        self.aof_read_next();
    }
}
