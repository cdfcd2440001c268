//! Start-up steps of the AOF that Redis does before serving (aofUpgradePrepare and
//! aofOpenIfNeededOnServerStart): an `appendfilename` file found in `dir`, the single AOF of
//! Redis 6.2 or older, is moved into the AOF directory as the base of a new manifest; and a
//! loaded AOF without an incr file gets one. Each step is a disk request carried out in order;
//! any failure stops the server, as Redis exits on it.

use super::aof::Manifest;
use super::aof_load::AofLoad;
use super::Job;
use crate::disk::{DiskOp, DiskResult};
use crate::server::Server;
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
        let dirname = self.cfg.appenddirname.clone();
        let manifest = Manifest {
            base: Some((name.clone(), 1)),
            base_seq: 1,
            ..Manifest::default()
        };
        let mut steps = vec![self.aof_dir_step()];
        steps.extend(self.manifest_steps(&manifest));
        let (from, to) = (self.data_path(&name), self.aof_file(&name));
        let moving = format!("Error trying to move the old AOF file {name} into dir {dirname}");
        steps.push((DiskOp::Rename { from, to: to.clone() }, moving.clone()));
        steps.push((DiskOp::FsyncDir { path: self.data_dir() }, moving));
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
        let mut steps = vec![self.aof_dir_step()];
        if manifest.base.is_none() {
            steps.extend(self.base_on_start(manifest));
        }
        let name = manifest.add_incr(&self.cfg.appendfilename);
        let line = format!("Creating AOF incr file {name} on server start");
        self.log(LogLevel::Notice, line);
        // Emptied, and that made durable, before the manifest names it: no manifest names it
        // yet, so whatever it holds is a leftover (an older incr file of that number whose
        // removal a crash undid), already in the base; appended to, it would be replayed.
        let path = self.aof_file(&name);
        let why = format!("Can't open the append-only file {name}");
        let create = DiskOp::Write {
            path: path.clone(),
            data: Vec::new(),
            truncate: true,
        };
        steps.push((create, why.clone()));
        steps.push((DiskOp::Fsync { path }, why));
        steps.extend(self.manifest_steps(manifest));
        self.submit_start_steps(steps);
    }

    /// Starting with no AOF at all, the dataset (empty: nothing else was loaded) becomes a
    /// first base at once, as Redis' aofOpenIfNeededOnServerStart writes it: the steps that
    /// write it through a temp file; `manifest` names it.
    fn base_on_start(&mut self, manifest: &mut Manifest) -> Vec<(DiskOp, String)> {
        let (kind, data) = match self.cfg.aof_use_rdb_preamble {
            true => ("rdb", self.rdb_file_image()),
            false => ("aof", self.aof_commands_image()),
        };
        manifest.base_seq += 1;
        let name = format!("{}.{}.base.{kind}", self.cfg.appendfilename, manifest.base_seq);
        self.persist.aof.base_size = data.len() as u64;
        let temp = self.aof_temp_path("start");
        let why = format!("Can't write the AOF base file {name}");
        let steps = super::aof::write_then_rename(temp, data, self.aof_file(&name));
        let line = format!("Creating AOF base file {name} on server start");
        self.log(LogLevel::Notice, line);
        manifest.base = Some((name, manifest.base_seq));
        steps.into_iter().map(|op| (op, why.clone())).collect()
    }

    /// Creating the AOF directory, as a start-up step.
    fn aof_dir_step(&self) -> (DiskOp, String) {
        let path = self.aof_dir();
        let why = format!("Can't open or create append-only dir {path}");
        (DiskOp::CreateDir { path }, why)
    }

    /// Writing `m` as the manifest, as start-up steps.
    fn manifest_steps(&self, m: &Manifest) -> impl Iterator<Item = (DiskOp, String)> {
        let why = "Can't persist the AOF manifest file";
        self.manifest_ops(m).into_iter().map(move |op| (op, why.to_string()))
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
            self.persist.aof.start_steps.clear();
            return self.exit_loading(&format!("{why}: {}", e.message));
        }
        if self.next_start_step() {
            return;
        }
        self.aof_flush(false);
        // (Writes deferred meanwhile: the AOF was turned off during the steps.)
        self.aof_drained();
        if std::mem::take(&mut self.persist.aof.gc_after_start) {
            self.aof_gc_history(None);
        }
        match self.persist.aof_load.as_mut() {
            Some(load) if load.upgrading => load.upgrading = false,
            _ => return,
        }
        let (name, dir) = (&self.cfg.appendfilename, &self.cfg.appenddirname);
        self.log(
            LogLevel::Notice,
            format!("Successfully migrated an old-style AOF file ({name}) into the AOF directory ({dir})."),
        );
        self.aof_read_next();
    }
}
