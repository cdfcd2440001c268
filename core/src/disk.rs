//! Disk requests. The core never touches a file: it asks the driver to write, fsync, rename,
//! remove or read one ([`crate::Output::Disk`]) and hears back when that is done
//! ([`crate::Event::Disk`]). Requests are carried out one after another in the order asked,
//! so a completion also means every earlier request has completed.

/// Identifies a request in its completion.
pub type DiskReq = u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiskOp {
    /// Appends `data` to `path`, creating it; `truncate` empties it first.
    Write {
        path: String,
        data: Vec<u8>,
        truncate: bool,
    },
    /// fsync(2) of `path`: what was written to it is durable once this completes.
    Fsync { path: String },
    /// rename(2), replacing `to`; durable once the directory is fsynced.
    Rename { from: String, to: String },
    /// unlink(2); a file that is not there is no error.
    Remove { path: String },
    /// fsync(2) of the directory `path`: renames and creations in it become durable.
    FsyncDir { path: String },
    /// The whole content of `path`.
    Read { path: String },
    /// mkdir(2); a directory already there is no error.
    CreateDir { path: String },
    /// Cuts `path` to `len` bytes (a torn AOF tail).
    Truncate { path: String, len: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskErrorKind {
    NotFound,
    NoSpace,
    Other,
}

/// A failed request, with the text `strerror` gives for it (Redis quotes that in its logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskError {
    pub kind: DiskErrorKind,
    pub message: String,
}

impl DiskError {
    pub fn new(kind: DiskErrorKind, message: impl Into<String>) -> DiskError {
        DiskError {
            kind,
            message: message.into(),
        }
    }
}

/// A completion: the file's content for [`DiskOp::Read`], nothing for the others.
pub type DiskResult = Result<Option<Vec<u8>>, DiskError>;

/// `name` inside directory `dir` (the configured `dir`; empty means the current directory).
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || name.starts_with('/') {
        return name.to_string();
    }
    format!("{}/{name}", dir.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn names_are_joined_to_the_directory_unless_absolute() {
        assert_eq!(join("/var/lib/redis", "dump.rdb"), "/var/lib/redis/dump.rdb");
        assert_eq!(join("/var/lib/redis/", "dump.rdb"), "/var/lib/redis/dump.rdb");
        assert_eq!(join("", "dump.rdb"), "dump.rdb");
        assert_eq!(join("/x", "/abs/dump.rdb"), "/abs/dump.rdb");
    }
}

/// Files kept in memory: what the in-process harness (and, under its fault model, the
/// simulator) carries disk requests out on. Everything written is durable at once.
#[derive(Clone, Debug, Default)]
pub struct MemDisk {
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
    /// Writes fail with ENOSPC while set.
    pub full: bool,
    /// Each file fsynced, with the size it had then, in order (for tests of when data is
    /// made durable).
    pub fsynced: Vec<(String, usize)>,
}

impl MemDisk {
    pub fn apply(&mut self, op: DiskOp) -> DiskResult {
        let missing = || DiskError::new(DiskErrorKind::NotFound, "No such file or directory");
        match op {
            DiskOp::Write { .. } if self.full => {
                return Err(DiskError::new(DiskErrorKind::NoSpace, "No space left on device"))
            }
            DiskOp::Write { path, data, truncate } => {
                let f = self.files.entry(path).or_default();
                if truncate {
                    f.clear();
                }
                f.extend_from_slice(&data);
            }
            DiskOp::Fsync { path } if !self.files.contains_key(&path) => return Err(missing()),
            DiskOp::Fsync { path } => {
                let len = self.files[&path].len();
                self.fsynced.push((path, len));
            }
            DiskOp::FsyncDir { .. } => {}
            DiskOp::Rename { from, to } => {
                let data = self.files.remove(&from).ok_or_else(missing)?;
                self.files.insert(to, data);
            }
            DiskOp::Remove { path } => {
                self.files.remove(&path);
            }
            DiskOp::Read { path } => return self.files.get(&path).cloned().map(Some).ok_or_else(missing),
            DiskOp::CreateDir { .. } => {}
            DiskOp::Truncate { path, len } => {
                let f = self.files.get_mut(&path).ok_or_else(missing)?;
                f.truncate(len as usize);
            }
        }
        Ok(None)
    }
}
