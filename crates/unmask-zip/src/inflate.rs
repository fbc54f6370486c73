//! Bounded incremental inflate: output grows as it arrives, never past the cap.

use flate2::{Decompress, FlushDecompress, Status};

/// Largest up-front reservation, whatever the declared size says.
const MAX_INITIAL_RESERVE: u64 = 8 << 20;
/// Smallest growth step once the reservation is used up.
const MIN_GROWTH: usize = 32 << 10;

/// Why inflating stopped without a complete result.
pub(crate) enum InflateError {
    /// Output would exceed `cap` bytes.
    OverCap,
    /// The stream is corrupt or truncated; message explains.
    Corrupt(String),
}

/// Inflates raw deflate `input`.
///
/// * `declared`: the size the archive claims; used only as a hint, never trusted past `cap`.
/// * `cap`: hard limit on output bytes.
/// * `stop_after`: stop once this many bytes are out (for prefixes); `None` to run to the end.
///
/// Returns the output and, separately, how many bytes were produced (for accounting
/// even when failing).
pub(crate) fn inflate(
    input: &[u8],
    declared: u64,
    cap: u64,
    stop_after: Option<usize>,
    produced: &mut u64,
) -> Result<Vec<u8>, InflateError> {
    // One decompressor per thread, reset between entries: creating one allocates and clears
    // its window, which dominated sniffing the first bytes of thousands of small entries.
    thread_local! {
        static SPARE: std::cell::RefCell<Option<Decompress>> = const { std::cell::RefCell::new(None) };
    }
    let mut d = SPARE
        .with(|s| s.borrow_mut().take())
        .unwrap_or_else(|| Decompress::new(false));
    d.reset(false);
    let result = inflate_with(&mut d, input, declared, cap, stop_after, produced);
    SPARE.with(|s| *s.borrow_mut() = Some(d));
    result
}

fn inflate_with(
    d: &mut Decompress,
    input: &[u8],
    declared: u64,
    cap: u64,
    stop_after: Option<usize>,
    produced: &mut u64,
) -> Result<Vec<u8>, InflateError> {
    let want = stop_after.map_or(cap, |n| (n as u64).min(cap));
    // Room for one byte more than the cap, to detect overflow.
    let hard = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    let initial = declared
        .min(want.saturating_add(1))
        .min(MAX_INITIAL_RESERVE);
    let mut out: Vec<u8> = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    loop {
        if out.len() >= out.capacity() {
            let target = out.len().saturating_mul(2).max(MIN_GROWTH).min(hard);
            let extra = target.saturating_sub(out.len());
            if extra == 0 {
                *produced = out.len() as u64;
                return Err(InflateError::OverCap);
            }
            out.reserve_exact(extra);
        }
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or(&[]);
        let before_in = d.total_in();
        let before_out = out.len();
        let status = d.decompress_vec(rest, &mut out, FlushDecompress::None);
        *produced = out.len() as u64;
        let status = status.map_err(|e| {
            InflateError::Corrupt(format!(
                "corrupt deflate stream at compressed offset {}: {e}",
                d.total_in()
            ))
        })?;
        if out.len() as u64 > cap {
            return Err(InflateError::OverCap);
        }
        if let Some(n) = stop_after {
            if out.len() >= n {
                out.truncate(n);
                return Ok(out);
            }
        }
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => {
                let progressed = d.total_in() != before_in || out.len() != before_out;
                // No progress with room left in the output: the input is exhausted.
                // (No progress with a full output buffer: grow and go on.)
                if !progressed && out.len() < out.capacity() {
                    return Err(InflateError::Corrupt(format!(
                        "deflate stream truncated: {} compressed bytes consumed, {} bytes produced, no end-of-stream marker",
                        d.total_in(),
                        out.len()
                    )));
                }
            }
        }
    }
}
