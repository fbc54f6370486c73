//! The structure walk: EOCD search (with retry), zip64, central directory, local headers.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::bytes::{slice_at, u16_at, u32_at, u64_at};
use crate::kind;
use crate::names;
use crate::{Anomaly, Entry, Limits, ZipError};

pub(crate) const LFH_SIG: u32 = 0x0403_4b50;
pub(crate) const CDH_SIG: u32 = 0x0201_4b50;
pub(crate) const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const EOCD_LEN: usize = 22;
const CDH_LEN: usize = 46;
const LFH_LEN: usize = 30;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_LEN: usize = 56;
/// Android scans this many bytes back from the end for the EOCD (max comment + record).
const EOCD_WINDOW: usize = 65535 + EOCD_LEN;
/// Extra fields longer than this are reported as oversized (zipalign pads .so files to at
/// most 16 KiB pages; anything longer is hiding space).
const OVERSIZED_EXTRA: usize = 16 * 1024;
/// Each anomaly kind is recorded at most this many times; the rest is summarised.
const MAX_PER_KIND: usize = 64;
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
pub(crate) const METHOD_STORED: u16 = 0;
pub(crate) const METHOD_DEFLATE: u16 = 8;

/// Result of the structure walk.
pub(crate) struct Parsed<'a> {
    pub entries: Vec<Entry<'a>>,
    pub anomalies: Vec<Anomaly>,
    pub by_name: names::NameIndex,
    pub cd_offset: u64,
    pub eocd_offset: u64,
    pub comment: &'a [u8],
}

/// Collects anomalies, capping each kind so hostile input cannot grow the list unboundedly.
struct Recorder {
    list: Vec<Anomaly>,
    counts: HashMap<&'static str, usize>,
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            list: Vec::new(),
            counts: HashMap::new(),
        }
    }

    /// Appends what `later` recorded (after everything recorded here), as if each of its
    /// anomalies had been pushed here in turn.
    fn absorb(&mut self, later: Recorder) {
        for a in later.list {
            let n = self.counts.entry(a.kind).or_insert(0);
            *n = n.saturating_add(1);
            if *n <= MAX_PER_KIND {
                self.list.push(a);
            }
        }
        // Those it counted without listing them.
        for (kind, n) in later.counts {
            let unlisted = n.saturating_sub(MAX_PER_KIND);
            if unlisted > 0 {
                let c = self.counts.entry(kind).or_insert(0);
                *c = c.saturating_add(unlisted);
            }
        }
    }

    fn push(&mut self, kind: &'static str, entry: Option<&str>, detail: String, rejects: bool) {
        let n = self.counts.entry(kind).or_insert(0);
        *n = n.saturating_add(1);
        if *n <= MAX_PER_KIND {
            self.list.push(Anomaly {
                kind,
                entry: entry.map(str::to_owned),
                detail,
                android_rejects: rejects,
            });
        }
    }

    fn finish(mut self) -> Vec<Anomaly> {
        let mut over: Vec<(&'static str, usize)> = self
            .counts
            .iter()
            .filter(|(_, &n)| n > MAX_PER_KIND)
            .map(|(&k, &n)| (k, n))
            .collect();
        over.sort_unstable();
        for (k, n) in over {
            let rejects = self.list.iter().any(|a| a.kind == k && a.android_rejects);
            self.list.push(Anomaly {
                kind: kind::ANOMALIES_TRUNCATED,
                entry: None,
                detail: format!(
                    "{n} anomalies of kind `{k}`; only the first {MAX_PER_KIND} are listed"
                ),
                android_rejects: rejects,
            });
        }
        self.list
    }
}

/// A validated EOCD candidate.
struct Located {
    eocd: usize,
    comment_len: usize,
    disk: u16,
    cd_disk: u16,
    entries_on_disk: u64,
    entries_total: u64,
    /// Where the central directory starts in the file (after any base shift).
    cd_start: usize,
    /// Declared CD size.
    cd_size: usize,
    /// The CD may not extend past this (EOCD or zip64 EOCD record).
    cd_limit: usize,
    /// Added to every stored offset when the ZIP was concatenated after other data
    /// and its offsets are relative to its own start.
    shift: usize,
    zip64: bool,
}

fn usize_of(v: u64) -> Option<usize> {
    usize::try_from(v).ok()
}

/// Validates one EOCD candidate at `pos`; on failure says why (with offsets).
fn evaluate_candidate(data: &[u8], pos: usize) -> Result<Located, String> {
    let rd16 = |o: usize| pos.checked_add(o).and_then(|p| u16_at(data, p));
    let rd32 = |o: usize| pos.checked_add(o).and_then(|p| u32_at(data, p));
    let short = || format!("EOCD record at offset {pos} is cut off by the end of the file");
    let disk = rd16(4).ok_or_else(short)?;
    let cd_disk = rd16(6).ok_or_else(short)?;
    let mut entries_on_disk = u64::from(rd16(8).ok_or_else(short)?);
    let mut entries_total = u64::from(rd16(10).ok_or_else(short)?);
    let mut cd_size = u64::from(rd32(12).ok_or_else(short)?);
    let mut cd_offset = u64::from(rd32(16).ok_or_else(short)?);
    let comment_len = usize::from(rd16(20).ok_or_else(short)?);
    let mut cd_limit = pos;
    let mut zip64 = false;

    let wants_zip64 = entries_total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF;
    if wants_zip64 {
        if let Some(loc) = pos.checked_sub(ZIP64_LOCATOR_LEN) {
            if u32_at(data, loc) == Some(ZIP64_LOCATOR_SIG) {
                let rec = u64_at(data, loc.saturating_add(8))
                    .and_then(usize_of)
                    .ok_or_else(|| format!("zip64 locator at {loc} is unreadable"))?;
                let rec_end = rec.checked_add(ZIP64_EOCD_LEN);
                if rec_end.is_none_or(|e| e > loc) || u32_at(data, rec) != Some(ZIP64_EOCD_SIG) {
                    return Err(format!(
                        "zip64 locator at {loc} points to offset {rec}, which holds no zip64 EOCD record"
                    ));
                }
                let r64 = |o: usize| rec.checked_add(o).and_then(|p| u64_at(data, p));
                let bad = || format!("zip64 EOCD record at {rec} is unreadable");
                entries_on_disk = r64(24).ok_or_else(bad)?;
                entries_total = r64(32).ok_or_else(bad)?;
                cd_size = r64(40).ok_or_else(bad)?;
                cd_offset = r64(48).ok_or_else(bad)?;
                cd_limit = rec;
                zip64 = true;
            }
        }
    }

    let cd_end = cd_offset.checked_add(cd_size).ok_or_else(|| {
        format!("EOCD at {pos}: central directory offset {cd_offset} + size {cd_size} overflows")
    })?;
    if cd_end > cd_limit as u64 {
        return Err(format!(
            "EOCD at {pos}: the central directory (offset {cd_offset}, size {cd_size}) ends at {cd_end}, \
             past the start of the end-of-central-directory record at {cd_limit}; the central directory \
             overlaps the EOCD or lies outside the file"
        ));
    }
    // Both fit below cd_limit <= data.len(), so they fit in usize.
    let cd_offset_u = usize_of(cd_offset).ok_or_else(|| format!("EOCD at {pos}: bad offset"))?;
    let cd_size_u = usize_of(cd_size).ok_or_else(|| format!("EOCD at {pos}: bad size"))?;

    let mut cd_start = cd_offset_u;
    let mut shift = 0usize;
    if (entries_total != 0 || cd_size != 0) && u32_at(data, cd_offset_u) != Some(CDH_SIG) {
        // Self-extractor style: the ZIP was appended after other data and keeps offsets
        // relative to its own start. The CD then sits right before the EOCD.
        let alt = cd_limit.checked_sub(cd_size_u);
        match alt {
            // Accept the rebase only if it also puts the first local header in place.
            Some(alt)
                if alt > cd_offset_u
                    && u32_at(data, alt) == Some(CDH_SIG)
                    && u32_at(data, alt.saturating_add(42))
                        .and_then(|lho| usize_of(u64::from(lho)))
                        .and_then(|lho| lho.checked_add(alt.saturating_sub(cd_offset_u)))
                        .and_then(|p| u32_at(data, p))
                        == Some(LFH_SIG) =>
            {
                shift = alt.saturating_sub(cd_offset_u);
                cd_start = alt;
            }
            _ => {
                return Err(format!(
                    "EOCD at {pos}: no central directory header signature at the declared \
                         central directory offset {cd_offset} ({entries_total} entries declared)"
                ));
            }
        }
    }
    Ok(Located {
        eocd: pos,
        comment_len,
        disk,
        cd_disk,
        entries_on_disk,
        entries_total,
        cd_start,
        cd_size: cd_size_u,
        cd_limit,
        shift,
        zip64,
    })
}

/// Offsets of EOCD signatures in `data[lo..hi]`, last first.
fn eocd_candidates(data: &[u8], lo: usize, hi: usize) -> impl Iterator<Item = usize> + '_ {
    let window = data.get(lo..hi).unwrap_or(&[]);
    let sig = EOCD_SIG.to_le_bytes();
    window
        .windows(4)
        .enumerate()
        .rev()
        .filter(move |(_, w)| *w == sig)
        .map(move |(i, _)| lo.saturating_add(i))
}

/// Finds the EOCD like Android (last signature in the last 64 KiB), retrying earlier
/// candidates when the last one is not usable, then the whole file.
fn locate(data: &[u8], rec: &mut Recorder) -> Result<Located, ZipError> {
    let len = data.len();
    let Some(last_start) = len.checked_sub(EOCD_LEN) else {
        return Err(ZipError::Malformed(format!(
            "not a ZIP: the file has {len} bytes, too short for an end-of-central-directory record (22 bytes)"
        )));
    };
    // Signatures must start at or before last_start (a full 22-byte record must fit).
    let hi = last_start.saturating_add(4).min(len);
    let window_lo = last_start.saturating_sub(EOCD_WINDOW - EOCD_LEN);
    let mut rejected: Vec<(usize, String)> = Vec::new();
    let mut found = None;
    for pos in eocd_candidates(data, window_lo, hi) {
        match evaluate_candidate(data, pos) {
            Ok(l) => {
                found = Some(l);
                break;
            }
            Err(why) => rejected.push((pos, why)),
        }
        if rejected.len() > 1024 {
            break;
        }
    }
    let mut outside_window = false;
    if found.is_none() && rejected.len() <= 1024 {
        // Polyglots: the ZIP may end far before the end of the file.
        for pos in eocd_candidates(data, 0, window_lo.saturating_add(3).min(hi)) {
            if pos >= window_lo {
                continue;
            }
            match evaluate_candidate(data, pos) {
                Ok(l) => {
                    found = Some(l);
                    outside_window = true;
                    break;
                }
                Err(why) => rejected.push((pos, why)),
            }
            if rejected.len() > 1024 {
                break;
            }
        }
    }
    let Some(loc) = found else {
        return Err(ZipError::Malformed(match rejected.first() {
            None => format!(
                "not a ZIP: no end-of-central-directory record signature (PK\\x05\\x06) in the {len}-byte file"
            ),
            Some((_, why)) => format!(
                "no usable end-of-central-directory record ({} candidate(s) rejected); last candidate: {why}",
                rejected.len()
            ),
        }));
    };
    // Another self-consistent EOCD before the one used, describing a different central
    // directory: a second, hidden archive view (Android sees only the last one).
    let mut others = 0usize;
    for pos in eocd_candidates(data, window_lo.min(loc.eocd), loc.eocd) {
        if others >= MAX_PER_KIND {
            break;
        }
        if let Ok(o) = evaluate_candidate(data, pos) {
            if o.shift == 0 && o.cd_start != loc.cd_start && o.entries_total > 0 {
                others = others.saturating_add(1);
                rec.push(
                    kind::MULTIPLE_EOCD,
                    None,
                    format!(
                        "another valid EOCD at {pos} describes a different central directory at {} ({} entries); the EOCD at {} is used, as Android does",
                        o.cd_start, o.entries_total, loc.eocd
                    ),
                    false,
                );
            }
        }
    }
    for (pos, why) in rejected.iter().take(MAX_PER_KIND) {
        rec.push(
            kind::FAKE_EOCD,
            None,
            format!(
                "EOCD signature at {pos} after the usable EOCD at {} is not usable ({why}); Android takes the last signature and would fail",
                loc.eocd
            ),
            true,
        );
    }
    if outside_window {
        rec.push(
            kind::EOCD_OUTSIDE_SEARCH_WINDOW,
            None,
            format!(
                "the EOCD at {} is more than 64 KiB + 22 bytes before the end of the {len}-byte file; Android does not find it",
                loc.eocd
            ),
            true,
        );
    }
    Ok(loc)
}

/// Checks extra-field TLV structure; returns a description of what is wrong, if anything.
fn extra_problem(extra: &[u8]) -> Option<String> {
    let mut off = 0usize;
    while off < extra.len() {
        let (Some(id), Some(size)) = (u16_at(extra, off), u16_at(extra, off.saturating_add(2)))
        else {
            // 1-3 trailing bytes: zipalign-style zero padding is harmless.
            let rest = extra.get(off..).unwrap_or(&[]);
            if rest.iter().all(|&b| b == 0) {
                return None;
            }
            return Some(format!(
                "{} stray byte(s) at the end of the extra field",
                rest.len()
            ));
        };
        let next = off.saturating_add(4).saturating_add(usize::from(size));
        if next > extra.len() {
            return Some(format!(
                "extra record 0x{id:04x} at +{off} declares {size} bytes but only {} remain",
                extra.len().saturating_sub(off.saturating_add(4))
            ));
        }
        off = next;
    }
    None
}

/// The zip64 extended-information record (0x0001), if present and well-formed.
fn zip64_extra(extra: &[u8]) -> Option<&[u8]> {
    let mut off = 0usize;
    while let (Some(id), Some(size)) = (u16_at(extra, off), u16_at(extra, off.saturating_add(2))) {
        let body = slice_at(extra, off.saturating_add(4), usize::from(size))?;
        if id == 0x0001 {
            return Some(body);
        }
        off = off.saturating_add(4).saturating_add(usize::from(size));
    }
    None
}

/// Walks the archive structure. Never decompresses.
pub(crate) fn parse(data: &[u8], limits: Limits) -> Result<Parsed<'_>, ZipError> {
    let mut rec = Recorder::new();
    let loc = locate(data, &mut rec)?;
    let len = data.len();

    // EOCD comment and trailing bytes.
    let comment_start = loc.eocd.saturating_add(EOCD_LEN);
    let declared_end = comment_start.saturating_add(loc.comment_len);
    let comment = data
        .get(comment_start..declared_end.min(len))
        .unwrap_or(&[]);
    if declared_end > len {
        rec.push(
            kind::EOCD_COMMENT_TRUNCATED,
            None,
            format!(
                "EOCD at {} declares a {}-byte comment but the file ends {} bytes short",
                loc.eocd,
                loc.comment_len,
                declared_end.saturating_sub(len)
            ),
            true,
        );
    } else if declared_end < len {
        rec.push(
            kind::TRAILING_DATA,
            None,
            format!(
                "{} extraneous bytes after the EOCD comment (EOCD at {}, archive ends at {declared_end}, file at {len})",
                len.saturating_sub(declared_end),
                loc.eocd
            ),
            true,
        );
    }
    if loc.disk != 0 || loc.cd_disk != 0 || loc.entries_on_disk != loc.entries_total {
        rec.push(
            kind::MULTI_DISK_FIELDS,
            None,
            format!(
                "EOCD disk fields are not those of a single-disk archive (disk {}, CD disk {}, entries on disk {}, total {})",
                loc.disk, loc.cd_disk, loc.entries_on_disk, loc.entries_total
            ),
            false,
        );
    }
    if loc.zip64 {
        rec.push(
            kind::ZIP64,
            None,
            format!(
                "archive uses a zip64 end-of-central-directory record at {}",
                loc.cd_limit
            ),
            false,
        );
    }
    let cd_declared_end = loc.cd_start.saturating_add(loc.cd_size);
    if cd_declared_end < loc.cd_limit {
        rec.push(
            kind::DATA_BEFORE_EOCD,
            None,
            format!(
                "{} bytes between the end of the central directory ({cd_declared_end}) and the EOCD record ({})",
                loc.cd_limit.saturating_sub(cd_declared_end),
                loc.cd_limit
            ),
            false,
        );
    }

    // Central-directory walk: every record up to the CD limit, regardless of the EOCD count.
    // First the record boundaries (a quick pass over the contiguous central directory),
    // then the records themselves with their local headers: on archives of thousands of
    // entries in two halves at once, the second half's anomalies recorded after the first's.
    let area = data.get(..loc.cd_limit).unwrap_or(&[]);
    let (starts, pos) = record_starts(area, &loc, limits)?;
    let mut entries: Vec<Entry<'_>> = Vec::with_capacity(starts.len());
    let mut hashes: Vec<u64> = Vec::with_capacity(starts.len());
    let keys = std::hash::RandomState::new();
    let half = starts.len() / 2;
    if half >= PARALLEL_HALF && rayon::current_num_threads() > 1 {
        let (first, second) = starts.split_at(half);
        let mut rec2 = Recorder::new();
        let mut entries2 = Vec::with_capacity(second.len());
        let mut hashes2 = Vec::with_capacity(second.len());
        rayon::join(
            || {
                walk_records(
                    data,
                    &loc,
                    first,
                    0,
                    &keys,
                    &mut rec,
                    &mut entries,
                    &mut hashes,
                )
            },
            || {
                walk_records(
                    data,
                    &loc,
                    second,
                    half,
                    &keys,
                    &mut rec2,
                    &mut entries2,
                    &mut hashes2,
                )
            },
        );
        entries.append(&mut entries2);
        hashes.append(&mut hashes2);
        rec.absorb(rec2);
    } else {
        walk_records(
            data,
            &loc,
            &starts,
            0,
            &keys,
            &mut rec,
            &mut entries,
            &mut hashes,
        );
    }
    if let Some(why) = truncated_record(area, &loc, pos) {
        rec.push(kind::TRUNCATED_CENTRAL_DIRECTORY, None, why, true);
    }

    // CD extent and entry count.
    let cd_declared_end = loc.cd_start.saturating_add(loc.cd_size);
    if pos != cd_declared_end {
        rec.push(
            kind::CENTRAL_DIRECTORY_SIZE_MISMATCH,
            None,
            format!(
                "the EOCD declares a {}-byte central directory at {} (ending at {cd_declared_end}), but its records end at {pos}",
                loc.cd_size, loc.cd_start
            ),
            pos > cd_declared_end,
        );
    }
    let walked = entries.len() as u64;
    if walked != loc.entries_total {
        let detail = if walked > loc.entries_total {
            format!(
                "the EOCD declares {} entries but the central directory holds {walked}; Android only sees the first {}",
                loc.entries_total, loc.entries_total
            )
        } else {
            format!(
                "the EOCD declares {} entries but the central directory holds only {walked}",
                loc.entries_total
            )
        };
        rec.push(
            kind::ENTRY_COUNT_MISMATCH,
            None,
            detail,
            walked < loc.entries_total || loc.entries_total == 0,
        );
    }
    if entries.is_empty() {
        rec.push(
            kind::EMPTY_ARCHIVE,
            None,
            "the archive has no entries (libziparchive: kEmptyArchive)".into(),
            true,
        );
    }

    // Prepended data: Android requires a local header at offset 0.
    if !entries.is_empty() {
        let min_lho = entries
            .iter()
            .map(|e| e.local_header_offset.saturating_add(loc.shift as u64))
            .min()
            .unwrap_or(0);
        // Only offset 0 is checked, as Android does: build tools (zipflinger) legitimately
        // put unreferenced "virtual" local headers before the first real entry.
        if u32_at(data, 0) != Some(LFH_SIG) || loc.shift > 0 {
            let mut detail = format!(
                "offset 0 does not hold a local file header; the lowest local header offset is {min_lho}"
            );
            if loc.shift > 0 {
                detail.push_str(&format!(
                    "; the ZIP's offsets are relative to its own start, {} bytes into the file",
                    loc.shift
                ));
            }
            rec.push(kind::PREPENDED_DATA, None, detail, true);
        }
    }

    // Duplicates: the first wins (find), Android rejects the archive.
    let mut by_name = names::NameIndex::new(keys, entries.len());
    let repeats = by_name.insert_all(&hashes, |i| entries.get(i).map(|e| e.raw_name));
    for (later, first) in repeats {
        if let Some(e) = entries.get_mut(later) {
            e.shadowed = true;
            rec.push(
                kind::DUPLICATE_ENTRY,
                Some(&e.name),
                format!(
                    "entry #{} has the same name as entry #{first}; the first is used",
                    e.index
                ),
                true,
            );
        }
    }

    // Overlapping entry data (overlap bombs, hidden aliasing), in the order of the local
    // headers: the central directory's order when its offsets increase (nearly always), so
    // no sorted copy is made then.
    let span = |e: &Entry<'_>| {
        let start = e.local_header_offset.saturating_add(loc.shift as u64);
        let end = e.data_offset?.saturating_add(e.stored_len());
        Some((start, end, e.index))
    };
    let mut last = None;
    let increasing = entries.iter().filter_map(span).all(|(start, _, _)| {
        let up = last.is_none_or(|l| start > l);
        last = Some(start);
        up
    });
    if increasing {
        overlaps(entries.iter().filter_map(span), &entries, &mut rec);
    } else {
        let mut spans: Vec<(u64, u64, usize)> = entries.iter().filter_map(span).collect();
        spans.sort_unstable();
        overlaps(spans.into_iter(), &entries, &mut rec);
    }

    Ok(Parsed {
        entries,
        anomalies: rec.finish(),
        by_name,
        cd_offset: loc.cd_start as u64,
        eocd_offset: loc.eocd as u64,
        comment,
    })
}

/// Records every entry whose local header lies inside an earlier one's data, given the
/// spans (local header offset, end of data, entry number) in increasing order.
fn overlaps(
    spans: impl Iterator<Item = (u64, u64, usize)>,
    entries: &[Entry<'_>],
    rec: &mut Recorder,
) {
    let mut reach: Option<(u64, usize)> = None;
    for (start, end, idx) in spans {
        if let Some((far, owner)) = reach {
            if start < far {
                let name = entries.get(idx).map(|e| &*e.name);
                rec.push(
                    kind::OVERLAPPING_ENTRIES,
                    name,
                    format!(
                        "entry #{idx} (local header at {start}) lies inside entry #{owner}, which extends to {far}"
                    ),
                    false,
                );
            }
            if end > far {
                reach = Some((end, idx));
            }
        } else {
            reach = Some((end, idx));
        }
    }
}

/// Each half of the records is at least this many for the walk to run in two halves at once.
const PARALLEL_HALF: usize = 256;

/// The offsets of the central-directory records that are whole (signature, fixed part and
/// variable fields before the CD limit), and the offset after the last one. More than
/// `max_entries` whole records is an error.
fn record_starts(
    area: &[u8],
    loc: &Located,
    limits: Limits,
) -> Result<(Vec<usize>, usize), ZipError> {
    // Room for as many records as the declared count says, but never more than the
    // central directory's bytes could hold (nor 65,536: beyond, the vector grows).
    let room = loc.cd_limit.saturating_sub(loc.cd_start) / CDH_LEN;
    let expected = usize::try_from(loc.entries_total)
        .unwrap_or(usize::MAX)
        .min(room)
        .min(limits.max_entries)
        .min(1 << 16);
    let mut starts = Vec::with_capacity(expected);
    let mut pos = loc.cd_start;
    while let Some(end) = record_end(area, pos) {
        if starts.len() >= limits.max_entries {
            return Err(ZipError::LimitExceeded(format!(
                "central directory has more than {} entries (limit max_entries); stopped at offset {pos}",
                limits.max_entries
            )));
        }
        starts.push(pos);
        pos = end;
    }
    Ok((starts, pos))
}

/// The end of the whole central-directory record at `pos`, if there is one.
fn record_end(area: &[u8], pos: usize) -> Option<usize> {
    let fixed = slice_at(area, pos, CDH_LEN).filter(|f| u32_at(f, 0) == Some(CDH_SIG))?;
    let f16 = |o| usize::from(u16_at(fixed, o).unwrap_or(0));
    let end = pos
        .saturating_add(CDH_LEN)
        .saturating_add(f16(28))
        .saturating_add(f16(30))
        .saturating_add(f16(32));
    (end <= area.len()).then_some(end)
}

/// Why the walk stopped at `pos` when a record starts there but is cut off.
fn truncated_record(area: &[u8], loc: &Located, pos: usize) -> Option<String> {
    if u32_at(area, pos) != Some(CDH_SIG) {
        return None;
    }
    let Some(fixed) = slice_at(area, pos, CDH_LEN) else {
        return Some(format!(
            "central directory record at {pos} is cut off by the EOCD at {}",
            loc.cd_limit
        ));
    };
    let f16 = |o| usize::from(u16_at(fixed, o).unwrap_or(0));
    let (name_len, extra_len, comment_len) = (f16(28), f16(30), f16(32));
    Some(format!(
        "central directory record at {pos} (name {name_len}, extra {extra_len}, comment {comment_len} bytes) runs past the EOCD at {}",
        loc.cd_limit
    ))
}

/// Reads the whole central-directory records at `starts` (entries `first_index` on), with
/// their local headers, into `entries`, and the hashes of their raw names under `keys` into
/// `hashes`; anomalies go to `rec` in record order.
#[allow(clippy::too_many_arguments)]
fn walk_records<'a>(
    data: &'a [u8],
    loc: &Located,
    starts: &[usize],
    first_index: usize,
    keys: &std::hash::RandomState,
    rec: &mut Recorder,
    entries: &mut Vec<Entry<'a>>,
    hashes: &mut Vec<u64>,
) {
    let area = data.get(..loc.cd_limit).unwrap_or(&[]);
    touch_local_headers(data, area, loc, starts);
    for (i, &pos) in starts.iter().enumerate() {
        let index = first_index.saturating_add(i);
        let Some(fixed) = slice_at(area, pos, CDH_LEN) else {
            continue; // cannot happen: `record_starts` checked it
        };
        let f16 = |o| u16_at(fixed, o).unwrap_or(0);
        let f32 = |o| u32_at(fixed, o).unwrap_or(0);
        let flags = f16(8);
        let method = f16(10);
        let crc32 = f32(16);
        let mut compressed_size = u64::from(f32(20));
        let mut uncompressed_size = u64::from(f32(24));
        let name_len = usize::from(f16(28));
        let extra_len = usize::from(f16(30));
        let mut local_header_offset = u64::from(f32(42));
        let var_start = pos.saturating_add(CDH_LEN);
        let raw_name = slice_at(area, var_start, name_len).unwrap_or(&[]);
        let extra = slice_at(area, var_start.saturating_add(name_len), extra_len).unwrap_or(&[]);
        // Valid UTF-8 (nearly every name): borrowed from the input, no copy.
        let (name, utf8) = match std::str::from_utf8(raw_name) {
            Ok(n) => (Cow::Borrowed(n), true),
            Err(_) => (
                Cow::Owned(String::from_utf8_lossy(raw_name).into_owned()),
                false,
            ),
        };
        let en = Some(&*name);

        // zip64 extended information.
        if compressed_size == 0xFFFF_FFFF
            || uncompressed_size == 0xFFFF_FFFF
            || local_header_offset == 0xFFFF_FFFF
        {
            if let Some(z) = zip64_extra(extra) {
                let mut zo = 0usize;
                let mut take = |v: &mut u64| {
                    if *v == 0xFFFF_FFFF {
                        if let Some(x) = u64_at(z, zo) {
                            *v = x;
                            zo = zo.saturating_add(8);
                        }
                    }
                };
                take(&mut uncompressed_size);
                take(&mut compressed_size);
                take(&mut local_header_offset);
                rec.push(
                    kind::ZIP64,
                    en,
                    "entry uses zip64 extended sizes/offset".into(),
                    false,
                );
            }
        }

        if let Some(p) = extra_problem(extra) {
            rec.push(
                kind::MALFORMED_EXTRA_FIELD,
                en,
                format!("central directory extra field: {p}"),
                false,
            );
        }
        if extra_len > OVERSIZED_EXTRA {
            rec.push(
                kind::OVERSIZED_EXTRA_FIELD,
                en,
                format!("central directory extra field is {extra_len} bytes"),
                false,
            );
        }

        // Names.
        if !utf8 {
            rec.push(
                kind::NON_UTF8_NAME,
                en,
                format!(
                    "entry name is not valid UTF-8 (raw bytes {:02x?})",
                    raw_name.get(..64).unwrap_or(raw_name)
                ),
                true,
            );
        }
        let plain = names::is_plain(raw_name);
        let why = if plain {
            Vec::new()
        } else {
            names::unsafe_reasons(raw_name)
        };
        let unsafe_name = !why.is_empty();
        if unsafe_name {
            rec.push(
                kind::UNSAFE_NAME,
                en,
                format!("entry name is unsafe as a path: {}", why.join(", ")),
                raw_name.contains(&0),
            );
        }
        if !plain && names::has_control_chars(raw_name) {
            rec.push(
                kind::CONTROL_CHARACTER_IN_NAME,
                en,
                "entry name contains ASCII control characters".into(),
                false,
            );
        }
        if name_len == 0 {
            rec.push(
                kind::EMPTY_NAME,
                en,
                "entry has an empty name".into(),
                false,
            );
        }

        // Flags and method.
        if flags & FLAG_ENCRYPTED != 0 {
            rec.push(
            kind::ENCRYPTED_FLAG,
            en,
            format!(
                "general-purpose flag bit 0 (encrypted) is set (flags 0x{flags:04x}); ignored, as Android does"
            ),
            false,
        );
        }
        if method != METHOD_STORED && method != METHOD_DEFLATE {
            rec.push(
            kind::UNKNOWN_COMPRESSION_METHOD,
            en,
            format!(
                "compression method {method} is neither stored (0) nor deflate (8); read as stored, like libandroidfw"
            ),
            false,
        );
        }
        if method != METHOD_DEFLATE && compressed_size != uncompressed_size {
            rec.push(
            kind::STORED_SIZE_MISMATCH,
            en,
            format!(
                "entry read as stored has compressed size {compressed_size} but uncompressed size {uncompressed_size}; {uncompressed_size} bytes are read, as libandroidfw does"
            ),
            false,
        );
        }

        // Local header: locates the data; everything else is only compared.
        let data_offset = check_local_header(
            data,
            loc,
            rec,
            LocalCheck {
                name: &name,
                raw_name,
                flags,
                method,
                crc32,
                compressed_size,
                uncompressed_size,
                local_header_offset,
            },
        );

        entries.push(Entry {
            name,
            raw_name,
            method,
            compressed_size,
            uncompressed_size,
            crc32,
            local_header_offset,
            unsafe_name,
            flags,
            data_offset,
            index,
            shadowed: false,
        });
        hashes.push(names::NameIndex::hash(keys, raw_name));
    }
}

/// Reads the local header of every record at `starts`, and the first two lines of where its
/// data starts when the local extra field is short, in a tight loop before the walk that
/// checks them. The headers are spread over the whole file, and the first read of each (a
/// cache and TLB miss, a page fault per 64 KiB on first touch) is a large part of the time
/// of parsing an APK of thousands of entries; inside the walk's long loop body (or in each
/// sniff of the entry's first bytes) they are waited for one at a time, here the loads are
/// independent and overlap.
fn touch_local_headers(data: &[u8], area: &[u8], loc: &Located, starts: &[usize]) {
    let mut sum = 0u32;
    for &pos in starts {
        let name_len = pos
            .checked_add(28)
            .and_then(|p| u16_at(area, p))
            .map_or(0, usize::from);
        let Some(lho) = pos
            .checked_add(42)
            .and_then(|p| u32_at(area, p))
            .and_then(|o| usize_of(u64::from(o)))
            .and_then(|o| o.checked_add(loc.shift))
        else {
            continue;
        };
        // The local header, and where its data starts when the local extra field is short
        // (the first bytes a sniff reads), and the line after.
        let data_at = lho.saturating_add(LFH_LEN).saturating_add(name_len);
        for at in [lho, data_at, data_at.saturating_add(64)] {
            if let Some(word) = u32_at(data, at) {
                sum = sum.wrapping_add(word);
            }
        }
    }
    std::hint::black_box(sum);
}

/// Central-directory values a local header is compared with.
struct LocalCheck<'n> {
    name: &'n str,
    raw_name: &'n [u8],
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    local_header_offset: u64,
}

/// Parses the local header of one entry, records disagreements, returns the data offset.
fn check_local_header(
    data: &[u8],
    loc: &Located,
    rec: &mut Recorder,
    cd: LocalCheck<'_>,
) -> Option<u64> {
    let en = Some(cd.name);
    let Some(lho) = cd
        .local_header_offset
        .checked_add(loc.shift as u64)
        .and_then(usize_of)
    else {
        rec.push(
            kind::LOCAL_HEADER_INVALID,
            en,
            format!(
                "local header offset {} is out of range",
                cd.local_header_offset
            ),
            true,
        );
        return None;
    };
    if lho >= loc.cd_start {
        rec.push(
            kind::LOCAL_HEADER_INVALID,
            en,
            format!(
                "local header offset {lho} is not before the central directory at {} (libziparchive: bad LFH offset)",
                loc.cd_start
            ),
            true,
        );
    }
    let Some(fixed) = slice_at(data, lho, LFH_LEN).filter(|f| u32_at(f, 0) == Some(LFH_SIG)) else {
        rec.push(
            kind::LOCAL_HEADER_INVALID,
            en,
            format!("no local file header signature at offset {lho}; the entry's data cannot be located"),
            true,
        );
        return None;
    };
    let f16 = |o| u16_at(fixed, o).unwrap_or(0);
    let f32 = |o| u32_at(fixed, o).unwrap_or(0);
    let l_flags = f16(6);
    let l_method = f16(8);
    let l_crc = f32(14);
    let l_csize = f32(18);
    let l_usize = f32(22);
    let l_name_len = usize::from(f16(26));
    let l_extra_len = usize::from(f16(28));
    let name_start = lho.saturating_add(LFH_LEN);
    let l_name = slice_at(data, name_start, l_name_len);
    let l_extra = slice_at(data, name_start.saturating_add(l_name_len), l_extra_len);
    let data_offset = name_start
        .checked_add(l_name_len)
        .and_then(|x| x.checked_add(l_extra_len));

    if l_method != cd.method {
        rec.push(
            kind::LOCAL_METHOD_MISMATCH,
            en,
            format!(
                "local header says method {l_method}, central directory says {}; the central directory is used (Android never compares them)",
                cd.method
            ),
            false,
        );
    }
    if l_flags != cd.flags {
        rec.push(
            kind::LOCAL_FLAGS_MISMATCH,
            en,
            format!(
                "local header flags 0x{l_flags:04x} differ from central directory flags 0x{:04x}",
                cd.flags
            ),
            false,
        );
    }
    if l_flags & FLAG_DATA_DESCRIPTOR == 0 {
        let size_ok = |l: u32, c: u64| u64::from(l) == c || (l == 0xFFFF_FFFF && loc.zip64);
        if !size_ok(l_csize, cd.compressed_size) || !size_ok(l_usize, cd.uncompressed_size) {
            rec.push(
                kind::LOCAL_SIZE_MISMATCH,
                en,
                format!(
                    "local header sizes {l_csize}/{l_usize} (compressed/uncompressed) differ from the central directory's {}/{} without a data descriptor; libziparchive refuses to extract the entry",
                    cd.compressed_size, cd.uncompressed_size
                ),
                true,
            );
        }
        if l_crc != cd.crc32 {
            rec.push(
                kind::LOCAL_CRC_MISMATCH,
                en,
                format!(
                    "local header CRC 0x{l_crc:08x} differs from the central directory's 0x{:08x} without a data descriptor",
                    cd.crc32
                ),
                true,
            );
        }
    }
    if l_name != Some(cd.raw_name) {
        rec.push(
            kind::LOCAL_NAME_MISMATCH,
            en,
            format!(
                "local header name {:?} differs from the central directory name",
                String::from_utf8_lossy(l_name.unwrap_or(b"<cut off by end of file>"))
            ),
            true,
        );
    }
    match l_extra {
        Some(x) => {
            if let Some(p) = extra_problem(x) {
                rec.push(
                    kind::MALFORMED_EXTRA_FIELD,
                    en,
                    format!("local header extra field: {p}"),
                    false,
                );
            }
        }
        None => {
            rec.push(
                kind::LOCAL_HEADER_INVALID,
                en,
                format!("local header at {lho} (name {l_name_len}, extra {l_extra_len} bytes) runs past the end of the file"),
                true,
            );
            return None;
        }
    }
    if l_extra_len > OVERSIZED_EXTRA {
        rec.push(
            kind::OVERSIZED_EXTRA_FIELD,
            en,
            format!("local header extra field is {l_extra_len} bytes"),
            false,
        );
    }
    let data_offset = data_offset? as u64;
    let stored = if cd.method == METHOD_DEFLATE {
        cd.compressed_size
    } else {
        cd.uncompressed_size
    };
    let data_end = data_offset.saturating_add(stored);
    if data_end > data.len() as u64 {
        rec.push(
            kind::ENTRY_DATA_OUT_OF_BOUNDS,
            en,
            format!(
                "entry data at {data_offset}..{data_end} runs past the end of the {}-byte file",
                data.len()
            ),
            false,
        );
    } else if data_end > loc.cd_start as u64 {
        rec.push(
            kind::ENTRY_DATA_OUT_OF_BOUNDS,
            en,
            format!(
                "entry data at {data_offset}..{data_end} runs into the central directory at {}",
                loc.cd_start
            ),
            false,
        );
    }
    Some(data_offset)
}
