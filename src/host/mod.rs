//! Host configuration: network namespaces, IPv4 conf and IPVS sysctls, and
//! addresses and links over rtnetlink (no shelling out to `ip` or
//! `sysctl`).

pub mod caps;
pub mod fou;
pub mod net;
pub mod netdb;
pub mod netns;
pub mod rtnl;
pub mod sysctl;
