//! Opening data files, plain or gzip-compressed (detected by content, not name).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use crate::{Error, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BUFFER: usize = 1 << 20;

/// An opened data file: a buffered reader over its (decompressed) bytes.
pub(crate) struct DataFile {
    pub reader: Box<dyn BufRead>,
    pub gzip: bool,
    /// Size on disk; for plain files that is the size of the data.
    pub disk_len: u64,
}

/// Opens `path`, transparently decompressing gzip.
pub(crate) fn open(path: &Path) -> Result<DataFile> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::Io {
            path: path.into(),
            source: std::io::Error::other("das ist ein Ordner, keine Datei"),
        });
    }
    let mut buffered = BufReader::with_capacity(BUFFER, file);
    let head = buffered.fill_buf().map_err(|e| Error::io(path, e))?;
    let gzip = head.starts_with(&GZIP_MAGIC);
    let reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(
            BUFFER,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    Ok(DataFile {
        reader,
        gzip,
        disk_len: meta.len(),
    })
}

/// Maps a read error: inside a gzip stream it means a damaged or cut-off file.
pub(crate) fn read_error(path: &Path, gzip: bool, position: String, e: std::io::Error) -> Error {
    if gzip {
        Error::Gzip {
            path: path.into(),
            position,
            source: e,
        }
    } else {
        Error::io(path, e)
    }
}

/// Reads exactly up to `limit` bytes, growing the buffer only as data arrives
/// (a header that claims too much cannot make us allocate it up front).
pub(crate) fn read_up_to(
    reader: &mut dyn Read,
    limit: u64,
    reserve: usize,
) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(reserve);
    reader.take(limit).read_to_end(&mut buf)?;
    Ok(buf)
}
