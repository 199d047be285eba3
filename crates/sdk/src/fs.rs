//! Small file helpers shared by the SDK and the tools built on it.

use std::{io, path::Path};

/// Writes `bytes` to `path` atomically: to a temporary file in the same folder, synced, then renamed
/// over the target, so a reader (or a crash) never sees half a file. Creates the folder if needed.
/// A target that exists and is not a regular file (a directory, `/dev/null`, a socket) is refused:
/// renaming over it would replace it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} exists and is not a regular file", path.display()),
        ));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_file_but_never_replaces_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b.json");
        write_atomic(&file, b"1").unwrap();
        write_atomic(&file, b"2").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"2");
        let socket = dir.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        for special in [dir.path(), socket.as_path()] {
            let err = write_atomic(special, b"x").unwrap_err();
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        assert!(std::fs::metadata(&socket).unwrap().file_type().is_socket_like());
    }

    trait SocketLike {
        fn is_socket_like(&self) -> bool;
    }

    impl SocketLike for std::fs::FileType {
        fn is_socket_like(&self) -> bool {
            std::os::unix::fs::FileTypeExt::is_socket(self)
        }
    }
}
