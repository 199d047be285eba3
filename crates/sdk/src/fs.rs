//! Small file helpers shared by the SDK and the tools built on it.

use std::{io, path::Path};

/// Writes `bytes` to `path` atomically: to a temporary file in the same folder, synced, then renamed
/// over the target, so a reader (or a crash) never sees half a file. Creates the folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
