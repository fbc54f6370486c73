//! Input bytes for unmask: a regular file is memory-mapped, so only the pages the parsers touch
//! (the central directory, the manifest, the resource index, the entries decoded) are read from
//! the page cache, without copying the whole file into fresh memory; anything else is read.
//!
//! This is the only `unsafe` code in the project (every parser crate is
//! `#![forbid(unsafe_code)]`). Mapping a file is `unsafe` because another process could change
//! or truncate the file while it is mapped: a change is seen as changed input (which the parsers
//! tolerate, as they tolerate any hostile bytes), a truncation as a SIGBUS. unmask never writes
//! its inputs; where inputs may be modified while they are scanned (a live share, a device
//! being pulled), use [`Input::read`] (`--no-mmap` on the command line).
#![deny(unsafe_code)]

use std::fs::File;
use std::ops::Deref;
use std::path::Path;

/// Below this size a plain read is as fast as a mapping.
const MAP_THRESHOLD: u64 = 1 << 20;

/// The bytes of an input file.
pub enum Input {
    /// Memory-mapped (read-only, private).
    Mapped(memmap2::Mmap),
    /// Read into memory.
    Owned(Vec<u8>),
}

impl Input {
    /// Opens `path`: a regular file of at least 1 MiB and at most `max` bytes is mapped;
    /// smaller ones are read. Larger than `max` is an error.
    pub fn open(path: &Path, max: u64) -> std::io::Result<Input> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        check(&meta, max)?;
        if meta.len() < MAP_THRESHOLD {
            return read_file(file, meta.len());
        }
        // SAFETY: the mapping is read-only and private; unmask never writes its inputs. If
        // another process modifies the file meanwhile, the parsers see different (still
        // bounds-checked) bytes; if it truncates it, reads past the new end fault (SIGBUS).
        // That risk is documented at the crate level and avoided with `Input::read`.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) };
        match map {
            Ok(m) => Ok(Input::Mapped(m)),
            Err(_) => read_file(file, meta.len()),
        }
    }

    /// Reads `path` fully into memory (never mapped).
    pub fn read(path: &Path, max: u64) -> std::io::Result<Input> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        check(&meta, max)?;
        read_file(file, meta.len())
    }
}

fn check(meta: &std::fs::Metadata, max: u64) -> std::io::Result<()> {
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > max {
        return Err(std::io::Error::other(format!(
            "file is {} bytes, larger than the {max} byte limit",
            meta.len()
        )));
    }
    Ok(())
}

fn read_file(mut file: File, len: u64) -> std::io::Result<Input> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut buf)?;
    Ok(Input::Owned(buf))
}

impl Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Mapped(m) => m,
            Input::Owned(v) => v,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_read_give_the_same_bytes() {
        let dir = std::env::temp_dir().join(format!("unmask-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.bin");
        let data: Vec<u8> = (0..(3u32 << 20)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, &data).unwrap();
        let mapped = Input::open(&big, u64::MAX).unwrap();
        assert!(matches!(mapped, Input::Mapped(_)));
        assert_eq!(&*mapped, &data[..]);
        let read = Input::read(&big, u64::MAX).unwrap();
        assert!(matches!(read, Input::Owned(_)));
        assert_eq!(&*read, &data[..]);
        let small = dir.join("small.bin");
        std::fs::write(&small, b"dex\n035\0").unwrap();
        assert!(matches!(
            Input::open(&small, u64::MAX).unwrap(),
            Input::Owned(_)
        ));
        let err = Input::open(&big, 10).err().unwrap().to_string();
        assert!(err.contains("larger than the 10 byte limit"), "{err}");
        assert!(
            Input::open(&dir, u64::MAX).is_err(),
            "a directory is refused"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
