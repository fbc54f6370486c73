//! What `build.rs` computes from the resolved bundles of `kb/iocs`: the compact form
//! ([`crate::blob`]) and the index of its indicators that [`crate::builtin`] compiles in.
//!
//! Shared by `build.rs` (included with `#[path]`) and the tests, which run it on made-up
//! bundles to check the records that the tables leave to the load.

use std::collections::BTreeMap;

use crate::blob;
use crate::norm::{self, IndexKey, ObservableKind, Slot};
use crate::resolve::Resolved;

/// A count or offset as the `u32` the tables hold.
pub(crate) fn n32(n: usize, what: &str) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("{what} {n} does not fit the tables (u32)"))
}

/// The index of the embedded indicators, in load order.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Index {
    /// Blob offset of each source header.
    pub source_at: Vec<u32>,
    /// Per indicator (by number): record offset and source.
    pub refs: Vec<(u32, u32)>,
    /// Records the load reads, in blob order: (offset, source, the number the indicator gets
    /// if its pattern type is STIX). Patterns not of the simple form are parsed then; other
    /// pattern types give a warning and get no number.
    pub work: Vec<(u32, u32, u32)>,
    /// Per slot (`Slot as usize`): normalised key → indicator numbers, ascending.
    pub tables: Vec<BTreeMap<String, Vec<u32>>>,
    /// IPv4 networks: (network, mask, indicator number).
    pub cidrs: Vec<(u32, u32, u32)>,
    /// Longest key of the host slot.
    pub max_host_len: usize,
}

impl Index {
    /// Indexes the record at `offset` (already written), of source `source`: the same keys,
    /// numbers and order as a run-time index of the same records.
    fn add(
        &mut self,
        offset: u32,
        source: u32,
        pattern: &str,
        ptype: Option<&str>,
    ) -> Result<(), String> {
        let i = n32(self.refs.len(), "indicator number")?;
        if !ptype.unwrap_or("stix").eq_ignore_ascii_case("stix") {
            self.work.push((offset, source, i));
            return Ok(());
        }
        self.refs.push((offset, source));
        let simple = norm::simple_pattern(pattern)
            .map(|(path, value)| (ObservableKind::of_key(path), value));
        match simple {
            // Parsed (as one `=` comparison, which the tests check) on a path that never
            // matches an app: nothing indexed, no warning, nothing to do at load.
            Some((ObservableKind::Other, _)) => {}
            Some((kind, value)) => match norm::index_key(kind, value) {
                Some(IndexKey::Plain(slot, key)) => {
                    if slot == Slot::Host {
                        self.max_host_len = self.max_host_len.max(key.len());
                    }
                    let table = self
                        .tables
                        .get_mut(slot as usize)
                        .ok_or_else(|| format!("no table for {slot:?}"))?;
                    table.entry(key.into_owned()).or_default().push(i);
                }
                Some(IndexKey::Cidr(net, mask)) => self.cidrs.push((net, mask, i)),
                None => {}
            },
            None => self.work.push((offset, source, i)),
        }
        Ok(())
    }
}

/// The compact form of `bundles` (file name, resolved bundle) and its index.
pub(crate) fn build(bundles: &[(&str, Resolved)]) -> Result<(String, Index), String> {
    let mut w = blob::Writer::new(bundles.len());
    let mut index = Index {
        tables: vec![BTreeMap::new(); Slot::ALL.len()],
        ..Index::default()
    };
    for (source, (name, bundle)) in bundles.iter().enumerate() {
        let source = n32(source, "source")?;
        index.source_at.push(n32(w.pos(), "blob offset")?);
        w.source(name, bundle.bundle_id.as_deref(), bundle.indicators.len());
        for i in &bundle.indicators {
            let offset = n32(w.pos(), "blob offset")?;
            w.indicator(
                &i.id,
                i.name.as_deref(),
                &i.pattern,
                i.pattern_type.as_deref(),
                &i.families,
                &i.reports,
            );
            index.add(offset, source, &i.pattern, i.pattern_type.as_deref())?;
        }
    }
    let blob = w.finish();
    n32(blob.len(), "blob length")?;
    Ok((blob, index))
}
