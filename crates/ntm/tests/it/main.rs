//! Integration tests of the `ntm` binary and of the workspace's architecture rules.
//! One test binary for the crate (linking many is slow on two cores).

mod architecture;
mod cli;
mod copy;
mod crash;
mod util;
