//! The journal of one `rs up`: every change is made through [`Run`], which
//! does it, remembers how to undo it for this run ([`Undo`]), and notes it
//! in the [`Record`] that a later `rs down` reads.
//!
//! Two lists, because they answer different questions. The undo list is
//! what *this* run changed, newest last, so that a failure part way
//! through is rolled back exactly (and nothing an earlier `up` did is
//! touched). The record is what every `up` so far changed, keeping the
//! *first* old value of a sysctl, so that `down` restores the host as it
//! was before lvsctl came along. Making both in one call means neither can
//! miss a step.

use std::net::IpAddr;

use super::record::Record;
use super::{netlink_err, sysctl_err, RsError};
use crate::host::fou;
use crate::host::rtnl::{Link, Rtnl};
use crate::host::sysctl;

/// One undoable step of this run.
#[derive(Debug)]
pub(super) enum Undo {
    Sysctl {
        iface: String,
        key: &'static str,
        old: i64,
    },
    Address {
        index: u32,
        addr: IpAddr,
        prefix: u8,
    },
    LinkCreated {
        name: String,
    },
    LinkRaised {
        name: String,
    },
    FouPort {
        port: u16,
    },
}

/// One `rs up` in progress.
pub(super) struct Run {
    pub(super) rtnl: Rtnl,
    pub(super) record: Record,
    undo: Vec<Undo>,
}

impl Run {
    pub(super) fn new(rtnl: Rtnl, record: Record) -> Run {
        Run {
            rtnl,
            record,
            undo: Vec::new(),
        }
    }

    /// Sets a conf sysctl, remembering the old value (unless it already
    /// has `value`).
    pub(super) fn set_sysctl(&mut self, iface: &str, key: &'static str, value: i64) -> Result<(), RsError> {
        let old = sysctl::get(iface, key).map_err(sysctl_err)?;
        if old == value {
            return Ok(());
        }
        sysctl::set(iface, key, value).map_err(sysctl_err)?;
        self.undo.push(Undo::Sysctl {
            iface: iface.to_string(),
            key,
            old,
        });
        self.record.sysctls.entry(format!("{iface}/{key}")).or_insert(old);
        Ok(())
    }

    /// The device called `name`, if there is one.
    pub(super) fn link(&mut self, name: &str) -> Result<Option<Link>, RsError> {
        self.rtnl.link(name).map_err(netlink_err("listing devices"))
    }

    /// Brings `link` up, if it is down.
    pub(super) fn ensure_up(&mut self, link: &Link) -> Result<(), RsError> {
        if !link.up {
            self.rtnl
                .set_up(link.index, true)
                .map_err(netlink_err(format!("setting {} up", link.name)))?;
            self.undo.push(Undo::LinkRaised {
                name: link.name.clone(),
            });
            if !self.record.raised_links.contains(&link.name) {
                self.record.raised_links.push(link.name.clone());
            }
        }
        Ok(())
    }

    /// Notes a device this run created.
    pub(super) fn created_link(&mut self, name: &str) {
        self.undo.push(Undo::LinkCreated {
            name: name.to_string(),
        });
        self.record.created_links.push(name.to_string());
    }

    /// Notes a GUE port this run opened.
    pub(super) fn opened_fou_port(&mut self, port: u16) {
        self.undo.push(Undo::FouPort { port });
        self.record.fou_ports.push(port);
    }

    /// Notes an address this run added. The record's VIP entry is written
    /// by the caller, which knows the mode; this only makes it undoable.
    pub(super) fn added_address(&mut self, index: u32, addr: IpAddr, prefix: u8) {
        self.undo.push(Undo::Address { index, addr, prefix });
    }

    /// Undoes this run's steps, newest first; errors are ignored (the
    /// original error is the one worth reporting).
    pub(super) fn rollback(&mut self) {
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::Sysctl { iface, key, old } => {
                    let _ = sysctl::set(&iface, key, old);
                }
                Undo::Address { index, addr, prefix } => {
                    let _ = self.rtnl.del_address(index, addr, prefix);
                }
                Undo::LinkCreated { name } => {
                    if let Ok(Some(l)) = self.rtnl.link(&name) {
                        let _ = self.rtnl.del_link(l.index);
                    }
                }
                Undo::LinkRaised { name } => {
                    if let Ok(Some(l)) = self.rtnl.link(&name) {
                        let _ = self.rtnl.set_up(l.index, false);
                    }
                }
                Undo::FouPort { port } => {
                    let _ = fou::del_gue_port(port);
                }
            }
        }
    }
}
