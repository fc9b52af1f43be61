//! The open-file limit, which every connection counts against.
//!
//! Many systems start processes with a soft limit of 1,024 descriptors and a hard limit far
//! above it; the soft one is a default, not a decision. `monosim serve` raises its soft
//! limit to the hard one at start-up (as nginx's `worker_rlimit_nofile`, Go's runtime and
//! most servers do), and the connection cap is lowered to fit whatever limit there is,
//! leaving [`RESERVED`] descriptors for everything that is not an incoming connection
//! (webhook deliveries, the listener, files, the runtime). Without that, the descriptors
//! run out before the cap is reached and `accept` fails instead of closing an idle
//! connection.

/// Descriptors kept for what is not an incoming connection.
pub const RESERVED: u64 = 256;

/// The fewest connections the cap is lowered to, however low the limit.
const MIN_CAP: usize = 16;

/// The soft open-file limit now, if the platform has one.
pub fn soft_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, Resource};
        getrlimit(Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Raises the soft open-file limit to the hard limit; returns the limit before and after.
/// `Ok(None)` where there is no such limit (or none to raise).
pub fn raise() -> std::io::Result<Option<(u64, u64)>> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let limit = getrlimit(Resource::Nofile);
        let (Some(current), maximum) = (limit.current, limit.maximum) else {
            return Ok(None);
        };
        // An unlimited hard limit is not a number the kernel accepts as a soft one
        // (macOS caps it at OPEN_MAX); a million descriptors is plenty.
        let target = maximum.unwrap_or(1 << 20).min(1 << 20);
        if target <= current {
            return Ok(None);
        }
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(target),
                maximum,
            },
        )?;
        Ok(Some((current, target)))
    }
    #[cfg(not(unix))]
    {
        Ok(None)
    }
}

/// `configured`, lowered to fit the soft open-file limit (less [`RESERVED`]).
pub fn connection_cap(configured: usize) -> usize {
    let Some(limit) = soft_limit() else {
        return configured.max(1);
    };
    let fits = usize::try_from(limit.saturating_sub(RESERVED))
        .unwrap_or(usize::MAX)
        .max(MIN_CAP);
    if fits < configured {
        tracing::warn!(
            configured,
            open_file_limit = limit,
            cap = fits,
            "connection cap lowered to fit the open-file limit (ulimit -n); raise the limit to allow more"
        );
        fits
    } else {
        configured.max(1)
    }
}
