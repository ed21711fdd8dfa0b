//! Kubernetes IP and CIDR libraries: `ip(s) isIP(s) ip.isCanonical(s)`, `family()
//! isUnspecified() isLoopback() isLinkLocalMulticast() isLinkLocalUnicast() isGlobalUnicast()`,
//! `cidr(s) isCIDR(s)`, `containsIP() containsCIDR() ip() masked() prefixLength()`, `string()`.
//!
//! As in Kubernetes (Go `netip`): IPv4 octets with leading zeros, zones (`%eth0`) and
//! IPv4-mapped IPv6 addresses are rejected.

use super::{opaque_val, typed_arg};
use crate::util::{Res, bool_val, err, int_val, str_arg, string_val};
use cel::common::types::{STRING_TYPE, Type};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::fmt;
use std::net::IpAddr;

/// The type of `ip(…)` values
pub static IP_TYPE: Type = Type::new_unspecified_type("net.IP");
/// The type of `cidr(…)` values
pub static CIDR_TYPE: Type = Type::new_unspecified_type("net.CIDR");

/// An IP address
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip(pub IpAddr);

/// An IP prefix: the address as written and the prefix length
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

opaque_val!(Ip, IP_TYPE, |a, b| a == b);
opaque_val!(Cidr, CIDR_TYPE, |a, b| a == b);

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parse an IP address as Kubernetes' `ip()` does
pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    if s.contains('%') {
        return Err(format!("IP address {s:?} with zone value is not allowed"));
    }
    if !s.contains(':') {
        for octet in s.split('.') {
            if octet.len() > 1 && octet.starts_with('0') {
                return Err(format!("IPv4 field has octet with leading zero in {s:?}"));
            }
        }
    }
    let addr: IpAddr = s
        .parse()
        .map_err(|_| format!("ParseAddr({s:?}): unable to parse IP"))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {s:?} is not allowed"));
    }
    Ok(addr)
}

/// Parse a CIDR as Kubernetes' `cidr()` does
pub fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let (addr, prefix) = s
        .split_once('/')
        .ok_or_else(|| format!("netip.ParsePrefix({s:?}): no '/'"))?;
    let addr = parse_ip(addr)?;
    if prefix.is_empty()
        || (prefix.len() > 1 && prefix.starts_with('0'))
        || !prefix.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("netip.ParsePrefix({s:?}): bad bits after slash"));
    }
    let bits: u8 = prefix
        .parse()
        .map_err(|_| format!("netip.ParsePrefix({s:?}): bad bits after slash"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if bits > max {
        return Err(format!(
            "netip.ParsePrefix({s:?}): prefix length out of range"
        ));
    }
    Ok(Cidr { addr, prefix: bits })
}

fn bits_of(addr: IpAddr) -> (u128, u8) {
    match addr {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    let (bits, width) = bits_of(addr);
    let host = u32::from(width - prefix);
    let masked = if host >= 128 {
        0
    } else {
        (bits >> host) << host
    };
    match addr {
        IpAddr::V4(_) => IpAddr::V4(u32::try_from(masked).unwrap_or(0).into()),
        IpAddr::V6(_) => IpAddr::V6(masked.into()),
    }
}

impl Cidr {
    fn contains_ip(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == mask(self.addr, self.prefix)
    }

    fn contains_cidr(&self, other: &Cidr) -> bool {
        other.addr.is_ipv4() == self.addr.is_ipv4()
            && other.prefix >= self.prefix
            && self.contains_ip(other.addr)
    }
}

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let ip = || IP_TYPE.to_owned();
    let cidr = || CIDR_TYPE.to_owned();
    env.add_overload("ip", "string_to_ip", vec![STRING_TYPE], ip_fn)?;
    env.add_overload("isIP", "is_ip", vec![STRING_TYPE], is_ip)?;
    env.add_overload(
        "ip.isCanonical",
        "ip_is_canonical",
        vec![STRING_TYPE],
        is_canonical,
    )?;
    env.add_overload("string", "ip_to_string", vec![ip()], ip_string)?;
    env.add_member_overload("family", "ip_family", ip(), vec![], family)?;
    for (name, f) in [
        (
            "isUnspecified",
            is_unspecified as cel::common::functions::Function,
        ),
        ("isLoopback", is_loopback),
        ("isLinkLocalMulticast", is_ll_multicast),
        ("isLinkLocalUnicast", is_ll_unicast),
        ("isGlobalUnicast", is_global_unicast),
    ] {
        env.add_member_overload(name, &format!("ip_{name}"), ip(), vec![], f)?;
    }
    env.add_overload("cidr", "string_to_cidr", vec![STRING_TYPE], cidr_fn)?;
    env.add_overload("isCIDR", "is_cidr", vec![STRING_TYPE], is_cidr)?;
    env.add_overload("string", "cidr_to_string", vec![cidr()], cidr_string)?;
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip",
        cidr(),
        vec![ip()],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip_string",
        cidr(),
        vec![STRING_TYPE],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr",
        cidr(),
        vec![cidr()],
        contains_cidr,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr_string",
        cidr(),
        vec![STRING_TYPE],
        contains_cidr,
    )?;
    env.add_member_overload("ip", "cidr_ip", cidr(), vec![], cidr_ip)?;
    env.add_member_overload("masked", "cidr_masked", cidr(), vec![], masked)?;
    env.add_member_overload(
        "prefixLength",
        "cidr_prefix_length",
        cidr(),
        vec![],
        prefix_length,
    )?;
    Ok(())
}

fn ip_fn<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("ip", &args, 0)?;
    parse_ip(s).map(|a| CowVal::owned(Ip(a))).map_err(|e| {
        err(
            "ip",
            format!("IP Address {s:?} parse error during conversion from string: {e}"),
        )
    })
}

fn is_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(parse_ip(str_arg("isIP", &args, 0)?).is_ok()))
}

fn is_canonical<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("ip.isCanonical", &args, 0)?;
    let addr = parse_ip(s).map_err(|e| {
        err(
            "ip.isCanonical",
            format!("IP Address {s:?} parse error during conversion from string: {e}"),
        )
    })?;
    Ok(bool_val(addr.to_string() == s))
}

fn ip_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(string_val(
        typed_arg::<Ip>("string", &args, 0)?.0.to_string(),
    ))
}

fn ip_of(function: &str, args: &[CowVal<'_, '_>]) -> Result<IpAddr, ExecutionError> {
    Ok(typed_arg::<Ip>(function, args, 0)?.0)
}

fn family<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(int_val(if ip_of("family", &args)?.is_ipv4() {
        4
    } else {
        6
    }))
}

fn is_unspecified<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(ip_of("isUnspecified", &args)?.is_unspecified()))
}

fn is_loopback<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(ip_of("isLoopback", &args)?.is_loopback()))
}

fn is_ll_multicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(match ip_of("isLinkLocalMulticast", &args)? {
        IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
    }))
}

fn ll_unicast(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => v4.octets()[..2] == [169, 254],
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

fn is_ll_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(ll_unicast(ip_of("isLinkLocalUnicast", &args)?)))
}

fn is_global_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let addr = ip_of("isGlobalUnicast", &args)?;
    let broadcast = matches!(addr, IpAddr::V4(v4) if v4.is_broadcast());
    Ok(bool_val(
        !addr.is_unspecified()
            && !addr.is_loopback()
            && !addr.is_multicast()
            && !ll_unicast(addr)
            && !broadcast,
    ))
}

fn cidr_fn<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("cidr", &args, 0)?;
    parse_cidr(s).map(CowVal::owned).map_err(|e| {
        err(
            "cidr",
            format!("network address {s:?} parse error during conversion from string: {e}"),
        )
    })
}

fn is_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(parse_cidr(str_arg("isCIDR", &args, 0)?).is_ok()))
}

fn cidr_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(string_val(
        typed_arg::<Cidr>("string", &args, 0)?.to_string(),
    ))
}

fn contains_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let c = typed_arg::<Cidr>("containsIP", &args, 0)?;
    let ip = match typed_arg::<Ip>("containsIP", &args, 1) {
        Ok(ip) => ip.0,
        Err(_) => {
            let s = str_arg("containsIP", &args, 1)?;
            parse_ip(s).map_err(|e| err("containsIP", e))?
        }
    };
    Ok(bool_val(c.contains_ip(ip)))
}

fn contains_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let c = typed_arg::<Cidr>("containsCIDR", &args, 0)?;
    let other = match typed_arg::<Cidr>("containsCIDR", &args, 1) {
        Ok(o) => o.clone(),
        Err(_) => {
            let s = str_arg("containsCIDR", &args, 1)?;
            parse_cidr(s).map_err(|e| err("containsCIDR", e))?
        }
    };
    Ok(bool_val(c.contains_cidr(&other)))
}

fn cidr_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(CowVal::owned(Ip(typed_arg::<Cidr>("ip", &args, 0)?.addr)))
}

fn masked<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let c = typed_arg::<Cidr>("masked", &args, 0)?;
    Ok(CowVal::owned(Cidr {
        addr: mask(c.addr, c.prefix),
        prefix: c.prefix,
    }))
}

fn prefix_length<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(int_val(i64::from(
        typed_arg::<Cidr>("prefixLength", &args, 0)?.prefix,
    )))
}
