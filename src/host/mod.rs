//! Host configuration: network namespaces now; sysctls, addresses, links
//! and tunnels as the real-server commands arrive.

pub mod netns;
