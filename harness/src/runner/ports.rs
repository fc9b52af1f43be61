//! The port monosim gives the receiver it starts (`{receiver.port}`).
//!
//! The receiver is another process, told its port before it binds it, so there is always a
//! moment when the port is free and someone else may take it. `127.0.0.1:0` makes that
//! likely under load: the kernel hands out the same ephemeral range for `bind(0)` and for
//! the local end of every outgoing connection, so the port monosim saw free became, within
//! milliseconds, the local port of some HTTP client's connection, and the receiver died
//! with "Address already in use" (seen in CI with several test runs at once). A port below
//! the ephemeral range is never taken that way; only another program choosing the same port
//! in the same instant can, and [`lost_its_port`] lets the run try again then.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;

/// Where the search starts: above the well-known and most registered service ports.
const LOWEST: u16 = 10_000;

/// How many candidates are tried before falling back to the kernel's choice.
const CANDIDATES: usize = 64;

/// A port free on 127.0.0.1 now, chosen at random below the ephemeral range (else the
/// kernel's choice).
pub fn free_port() -> std::io::Result<u16> {
    let (low, _) = ephemeral_range();
    if low > LOWEST + 1_000 {
        let span = u64::from(low - LOWEST);
        let random = RandomState::new();
        for attempt in 0..CANDIDATES {
            let mut hasher = random.build_hasher();
            hasher.write_usize(attempt);
            let port = LOWEST + (hasher.finish() % span) as u16;
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return Ok(port);
            }
        }
    }
    TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|address| address.port())
}

/// The kernel's range for ephemeral ports (Linux's default when it cannot be read).
fn ephemeral_range() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut bounds = text.split_whitespace().map(str::parse::<u16>);
            Some((bounds.next()?.ok()?, bounds.next()?.ok()?))
        })
        .unwrap_or((32_768, 60_999))
}

/// Whether a receiver's last output says it could not bind its port: the wording of Rust,
/// Node (`EADDRINUSE`), Python, Go, the JVM and PHP alike.
pub fn lost_its_port(output: &str) -> bool {
    let output = output.to_ascii_lowercase();
    output.contains("address already in use") || output.contains("eaddrinuse")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_free_and_outside_the_ephemeral_range() {
        let (low, high) = ephemeral_range();
        assert!(low < high, "{low}..{high}");
        let mut still_free = 0;
        for _ in 0..20 {
            let port = free_port().unwrap();
            if low > LOWEST + 1_000 {
                assert!((LOWEST..low).contains(&port), "{port} in {low}..{high}");
            }
            // Free when it was chosen. The tests running beside this one bind ports too, and
            // one may take it in the instant since (the module doc's race, which a run
            // survives by `lost_its_port`): that is counted, not failed on, once in a while.
            match TcpListener::bind(("127.0.0.1", port)) {
                Ok(_) => still_free += 1,
                Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {}
                Err(error) => panic!("port {port}: {error}"),
            }
        }
        assert!(
            still_free >= 18,
            "only {still_free} of 20 ports were still free"
        );
    }

    #[test]
    fn each_stack_saying_its_port_is_taken_is_recognised() {
        for output in [
            "cannot listen on 127.0.0.1:43543: Address already in use (os error 98)",
            "Error: listen EADDRINUSE: address already in use 127.0.0.1:3000",
            "OSError: [Errno 98] Address already in use",
        ] {
            assert!(lost_its_port(output), "{output}");
        }
        assert!(!lost_its_port("cannot open the database"));
    }
}
