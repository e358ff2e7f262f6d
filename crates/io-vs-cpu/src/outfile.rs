//! Where the header lines go. With `--out FILE` they stay there. Without it they go to
//! `headers.txt` in a fresh temporary directory that exists only around the write step:
//! created just before it, read back and removed right after it, before anything is
//! printed. So a run interrupted while it waits for the server (Ctrl-C, SIGTERM), or a
//! reader that closes the pipe, leaves nothing behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;

/// The output file, ready for the write step.
pub struct OutFile {
    pub path: PathBuf,
    temp_dir: Option<PathBuf>,
}

/// What the write step left: the file's path and its contents, read back.
pub struct Written {
    pub path: PathBuf,
    pub contents: String,
    pub temporary: bool,
}

impl OutFile {
    /// `out`, or a new temporary directory to hold `headers.txt`.
    pub fn create(out: Option<&Path>) -> anyhow::Result<OutFile> {
        if let Some(path) = out {
            return Ok(OutFile {
                path: path.to_path_buf(),
                temp_dir: None,
            });
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("io-vs-cpu-{}-{nanos}", std::process::id()));
        fs::create_dir(&dir).with_context(|| {
            let dir = dir.display();
            format!("cannot create {dir}; set TMPDIR to a writable directory or pass --out FILE")
        })?;
        Ok(OutFile {
            path: dir.join("headers.txt"),
            temp_dir: Some(dir),
        })
    }

    /// Reads the file back; a temporary directory is removed (also on error, by drop).
    pub fn finish(self) -> anyhow::Result<Written> {
        let contents = fs::read_to_string(&self.path)
            .with_context(|| format!("cannot read back {}; check the disk", self.path.display()))?;
        Ok(Written {
            path: self.path.clone(),
            contents,
            temporary: self.temp_dir.is_some(),
        })
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if let Some(dir) = &self.temp_dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
}
