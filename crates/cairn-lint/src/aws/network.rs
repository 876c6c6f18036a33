//! Network rules (`AWS001`–`AWS010`): security groups and their rules,
//! network ACLs, subnets and VPC flow logs.

use std::collections::HashMap;

use cairn_findings::Severity;
use cairn_value::Value;

use super::{
    blocks, bool_attr, int_attr, known_strs, path, path_if_set, str_attr, type_of_address, Ctx,
    Links, Rule, Tri,
};
use crate::Instance;

pub(crate) const SSH: Rule = Rule {
    id: "AWS001",
    severity: Severity::High,
    title: "Security groups must not allow SSH (port 22) from the whole internet",
    fix: "Allow port 22 only from known networks (a VPN or office CIDR, a bastion's security group), or use SSM Session Manager instead of SSH.",
};
pub(crate) const RDP: Rule = Rule {
    id: "AWS002",
    severity: Severity::High,
    title: "Security groups must not allow RDP (port 3389) from the whole internet",
    fix: "Allow port 3389 only from known networks or a bastion's security group, or use SSM Fleet Manager / a VPN.",
};
pub(crate) const DATABASE: Rule = Rule {
    id: "AWS003",
    severity: Severity::High,
    title: "Security groups must not expose database ports to the whole internet",
    fix: "Allow database ports only from the application's security group or private CIDR ranges.",
};
pub(crate) const ADMIN: Rule = Rule {
    id: "AWS004",
    severity: Severity::High,
    title: "Security groups must not expose remote administration or file-sharing ports (Telnet, FTP, SMB, VNC, WinRM, Docker, kubelet) to the whole internet",
    fix: "Allow these ports only from known private networks, or close them.",
};
pub(crate) const ALL_PORTS: Rule = Rule {
    id: "AWS005",
    severity: Severity::Critical,
    title: "Security groups must not allow all ports or all protocols from the whole internet",
    fix: "Allow only the ports the service needs (e.g. 443), and only from the sources that need them.",
};
pub(crate) const EGRESS: Rule = Rule {
    id: "AWS006",
    severity: Severity::Low,
    title: "Security groups should not allow all outbound traffic to the whole internet",
    fix: "Allow only the outbound ports and destinations the workload needs (e.g. tcp 443 to 0.0.0.0/0, or VPC endpoints).",
};
pub(crate) const DEFAULT_SG: Rule = Rule {
    id: "AWS007",
    severity: Severity::Medium,
    title: "A VPC's default security group must have no rules",
    fix: "Remove the ingress and egress blocks (and standalone rules) of the default security group; put resources in dedicated security groups.",
};
pub(crate) const NACL_ADMIN: Rule = Rule {
    id: "AWS008",
    severity: Severity::Medium,
    title: "Network ACLs must not allow SSH or RDP from the whole internet",
    fix: "Add a lower-numbered deny entry for ports 22 and 3389 from 0.0.0.0/0 and ::/0, or narrow the allow entry's ports or CIDR.",
};
pub(crate) const SUBNET_PUBLIC_IP: Rule = Rule {
    id: "AWS009",
    severity: Severity::Low,
    title: "Subnets should not give every instance a public IP address",
    fix: "Set map_public_ip_on_launch = false and give public addresses only to what must be reachable (load balancers, NAT gateways, Elastic IPs).",
};
pub(crate) const FLOW_LOGS: Rule = Rule {
    id: "AWS010",
    severity: Severity::Medium,
    title: "VPCs should have flow logs",
    fix: "Add an aws_flow_log with vpc_id = the VPC's id, sending to CloudWatch Logs or S3.",
};

pub(crate) const RULES: &[&Rule] = &[
    &SSH,
    &RDP,
    &DATABASE,
    &ADMIN,
    &ALL_PORTS,
    &EGRESS,
    &DEFAULT_SG,
    &NACL_ADMIN,
    &SUBNET_PUBLIC_IP,
    &FLOW_LOGS,
];

/// Which transport a port is served on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum On {
    Tcp,
    TcpUdp,
}

/// A well-known port a rule watches.
struct Port(u16, &'static str, On);

const SSH_PORTS: &[Port] = &[Port(22, "SSH", On::Tcp)];
const RDP_PORTS: &[Port] = &[Port(3389, "RDP", On::TcpUdp)];
const DATABASE_PORTS: &[Port] = &[
    Port(1433, "SQL Server", On::Tcp),
    Port(1521, "Oracle", On::Tcp),
    Port(2379, "etcd", On::Tcp),
    Port(3306, "MySQL", On::Tcp),
    Port(5432, "PostgreSQL", On::Tcp),
    Port(5439, "Redshift", On::Tcp),
    Port(5984, "CouchDB", On::Tcp),
    Port(6379, "Redis", On::Tcp),
    Port(7000, "Cassandra", On::Tcp),
    Port(7001, "Cassandra", On::Tcp),
    Port(8086, "InfluxDB", On::Tcp),
    Port(9042, "Cassandra", On::Tcp),
    Port(9200, "Elasticsearch", On::Tcp),
    Port(9300, "Elasticsearch", On::Tcp),
    Port(11211, "Memcached", On::TcpUdp),
    Port(27017, "MongoDB", On::Tcp),
    Port(27018, "MongoDB", On::Tcp),
];
const ADMIN_PORTS: &[Port] = &[
    Port(20, "FTP data", On::Tcp),
    Port(21, "FTP", On::Tcp),
    Port(23, "Telnet", On::Tcp),
    Port(135, "MS RPC", On::Tcp),
    Port(139, "NetBIOS", On::Tcp),
    Port(445, "SMB", On::Tcp),
    Port(2375, "Docker API", On::Tcp),
    Port(2376, "Docker API", On::Tcp),
    Port(5900, "VNC", On::Tcp),
    Port(5985, "WinRM", On::Tcp),
    Port(5986, "WinRM", On::Tcp),
    Port(10250, "kubelet", On::Tcp),
];

/// The port rules, checked in this order on each open ingress rule.
const PORT_RULES: &[(&Rule, &[Port])] = &[
    (&SSH, SSH_PORTS),
    (&RDP, RDP_PORTS),
    (&DATABASE, DATABASE_PORTS),
    (&ADMIN, ADMIN_PORTS),
];

/// The ports network ACL rules must not open (CIS: remote administration).
const NACL_PORTS: &[Port] = &[Port(22, "SSH", On::Tcp), Port(3389, "RDP", On::Tcp)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    All,
    Tcp,
    Udp,
    Other,
}

/// A protocol as security groups and network ACLs spell it (name or
/// number; `-1`/`all` for every protocol).
fn proto_of(p: &str) -> Proto {
    match p.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => Proto::All,
        "tcp" | "6" => Proto::Tcp,
        "udp" | "17" => Proto::Udp,
        _ => Proto::Other,
    }
}

fn proto_name(p: Proto) -> &'static str {
    match p {
        Proto::All => "all protocols",
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Other => "other",
    }
}

/// What a rule lets through: a protocol and (for tcp/udp) a port range.
#[derive(Clone, Copy, Debug)]
struct Traffic {
    proto: Proto,
    from: i64,
    to: i64,
}

impl Traffic {
    /// Reads protocol and ports: unknown when any of them that matters is
    /// not known, absent when the protocol has no ports (ICMP and other
    /// protocols, whose "ports" are ICMP types or nothing).
    fn read(v: &Value, proto_key: &str) -> Tri<Traffic> {
        let proto = match str_attr(v, proto_key) {
            Tri::Known(p) => proto_of(p),
            Tri::Unknown => return Tri::Unknown,
            Tri::Absent => return Tri::Absent,
        };
        match proto {
            Proto::All => Tri::Known(Traffic {
                proto,
                from: 0,
                to: 65535,
            }),
            Proto::Tcp | Proto::Udp => match (int_attr(v, "from_port"), int_attr(v, "to_port")) {
                (Tri::Known(from), Tri::Known(to)) => Tri::Known(Traffic { proto, from, to }),
                _ => Tri::Unknown,
            },
            Proto::Other => Tri::Absent,
        }
    }

    /// Every port of every protocol, or every port of tcp/udp.
    fn all_ports(&self) -> bool {
        self.proto == Proto::All || (self.from <= 1 && self.to >= 65535)
    }

    fn covers(&self, p: &Port) -> bool {
        let proto_ok = match self.proto {
            Proto::All => true,
            Proto::Tcp => true,
            Proto::Udp => p.2 == On::TcpUdp,
            Proto::Other => false,
        };
        proto_ok && self.from <= i64::from(p.0) && i64::from(p.0) <= self.to
    }

    fn describe(&self) -> String {
        match self.proto {
            Proto::All => "all traffic (protocol -1)".to_string(),
            p if self.from == self.to => format!("{} port {}", proto_name(p), self.from),
            p => format!("{} ports {}-{}", proto_name(p), self.from, self.to),
        }
    }
}

/// `SSH (22), RDP (3389)`.
fn port_names(ports: &[&Port]) -> String {
    ports
        .iter()
        .map(|p| format!("{} ({})", p.1, p.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a CIDR is the whole address space (`0.0.0.0/0`, `::/0`).
fn is_open(cidr: &str) -> bool {
    match cidr.trim().parse::<ipnet::IpNet>() {
        Ok(net) => net.prefix_len() == 0,
        Err(_) => matches!(cidr.trim(), "0.0.0.0/0" | "::/0"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

/// One security group rule, wherever it is written.
struct SgRule<'v> {
    value: &'v Value,
    /// The rule's path in its resource (`["ingress", "0"]`; empty for a
    /// standalone rule resource).
    at: Vec<String>,
    /// `ingress[0]` / `rule`, for messages.
    label: String,
    proto_key: &'static str,
    /// CIDR attributes: (name, is a list).
    cidr_keys: &'static [(&'static str, bool)],
}

const INLINE_CIDRS: &[(&str, bool)] = &[("cidr_blocks", true), ("ipv6_cidr_blocks", true)];
const VPC_RULE_CIDRS: &[(&str, bool)] = &[("cidr_ipv4", false), ("cidr_ipv6", false)];

impl SgRule<'_> {
    /// The open CIDRs of the rule with the path of their attribute.
    fn open_cidrs(&self) -> Vec<(Vec<String>, String)> {
        let mut out = Vec::new();
        for &(key, is_list) in self.cidr_keys {
            let mut at = self.at.clone();
            at.push(key.to_string());
            if is_list {
                for (_, c) in known_strs(self.value, key) {
                    if is_open(c) {
                        out.push((at.clone(), c.trim().to_string()));
                    }
                }
            } else if let Tri::Known(c) = str_attr(self.value, key) {
                if is_open(c) {
                    out.push((at, c.trim().to_string()));
                }
            }
        }
        out
    }
}

pub(crate) fn check(ctx: &Ctx<'_>) {
    security_groups(ctx);
    default_security_groups(ctx);
    network_acls(ctx);
    subnets(ctx);
    flow_logs(ctx);
}

/// The inline rules of a group resource.
fn inline_rules<'v>(v: &'v Value, dir: &'static str) -> Vec<SgRule<'v>> {
    blocks(v, dir)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_null() && !r.is_unknown())
        .map(|(i, r)| SgRule {
            value: r,
            at: path([dir.to_string(), i.to_string()]),
            label: format!("{dir}[{i}]"),
            proto_key: "protocol",
            cidr_keys: INLINE_CIDRS,
        })
        .collect()
}

fn security_groups(ctx: &Ctx<'_>) {
    for t in ["aws_security_group", "aws_default_security_group"] {
        for &inst in ctx.of_type(t) {
            for r in inline_rules(&inst.values, "ingress") {
                check_rule(ctx, inst, Direction::Ingress, &r);
            }
            for r in inline_rules(&inst.values, "egress") {
                check_rule(ctx, inst, Direction::Egress, &r);
            }
        }
    }
    for &inst in ctx.of_type("aws_security_group_rule") {
        let dir = match str_attr(&inst.values, "type") {
            Tri::Known("ingress") => Direction::Ingress,
            Tri::Known("egress") => Direction::Egress,
            _ => continue,
        };
        let r = SgRule {
            value: &inst.values,
            at: Vec::new(),
            label: "rule".into(),
            proto_key: "protocol",
            cidr_keys: INLINE_CIDRS,
        };
        check_rule(ctx, inst, dir, &r);
    }
    for (t, dir) in [
        ("aws_vpc_security_group_ingress_rule", Direction::Ingress),
        ("aws_vpc_security_group_egress_rule", Direction::Egress),
    ] {
        for &inst in ctx.of_type(t) {
            let r = SgRule {
                value: &inst.values,
                at: Vec::new(),
                label: "rule".into(),
                proto_key: "ip_protocol",
                cidr_keys: VPC_RULE_CIDRS,
            };
            check_rule(ctx, inst, dir, &r);
        }
    }
}

fn check_rule(ctx: &Ctx<'_>, inst: &Instance, dir: Direction, r: &SgRule<'_>) {
    let open = r.open_cidrs();
    if open.is_empty() {
        return;
    }
    let Tri::Known(traffic) = Traffic::read(r.value, r.proto_key) else {
        return;
    };
    let what = if r.label == "rule" {
        match dir {
            Direction::Ingress => "Ingress rule".to_string(),
            Direction::Egress => "Egress rule".to_string(),
        }
    } else {
        format!("Rule {}", r.label)
    };
    for (at, cidr) in open {
        match dir {
            Direction::Egress => {
                if traffic.proto == Proto::All {
                    ctx.report(
                        &EGRESS,
                        inst,
                        at,
                        format!("{what} allows all outbound traffic (protocol -1) to {cidr}."),
                    );
                }
            }
            Direction::Ingress if traffic.all_ports() => {
                ctx.report(
                    &ALL_PORTS,
                    inst,
                    at,
                    format!(
                        "{what} allows {} from {cidr}.",
                        if traffic.proto == Proto::All {
                            traffic.describe()
                        } else {
                            format!("every {} port (0-65535)", proto_name(traffic.proto))
                        }
                    ),
                );
            }
            Direction::Ingress => {
                for (rule, ports) in PORT_RULES {
                    let hit: Vec<&Port> = ports.iter().filter(|p| traffic.covers(p)).collect();
                    if hit.is_empty() {
                        continue;
                    }
                    let msg = if traffic.from == traffic.to {
                        let names: Vec<&str> = hit.iter().map(|p| p.1).collect();
                        format!(
                            "{what} allows {} ({}) from {cidr}.",
                            names.join(", "),
                            traffic.describe()
                        )
                    } else {
                        format!(
                            "{what} allows {} from {cidr}, which includes {}.",
                            traffic.describe(),
                            port_names(&hit)
                        )
                    };
                    ctx.report(rule, inst, at.clone(), msg);
                }
            }
        }
    }
}

/// `AWS007`: the default group's own rules, and standalone rules added to
/// it (linked by group ID, or by dependency on the
/// `aws_default_security_group` when the ID is not known yet).
fn default_security_groups(ctx: &Ctx<'_>) {
    let defaults: Vec<&Instance> = ctx.of_type("aws_default_security_group").to_vec();
    for &inst in &defaults {
        for dir in ["ingress", "egress"] {
            let Some(items) = blocks(&inst.values, dir) else {
                continue;
            };
            let n = items.iter().filter(|r| !r.is_null()).count();
            if n > 0 {
                ctx.report(
                    &DEFAULT_SG,
                    inst,
                    [dir],
                    format!(
                        "The default security group has {n} {dir} rule{}; it should allow no traffic.",
                        if n == 1 { "" } else { "s" }
                    ),
                );
            }
        }
    }
    let vpcs: Vec<&Instance> = ctx.of_type("aws_vpc").to_vec();
    if defaults.is_empty() && vpcs.is_empty() {
        return;
    }
    let mut rules: Vec<&Instance> = Vec::new();
    for t in [
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
    ] {
        rules.extend(ctx.of_type(t));
    }
    let links = Links::new(&rules, "security_group_id");
    let mut hits: Vec<(&Instance, String)> = Vec::new();
    for &d in &defaults {
        for r in links.by_value(d, &["id"]) {
            hits.push((r, d.address.clone()));
        }
        for &r in links.by_dependency(d) {
            // A rule that also depends on another group may name that
            // group (and reference the default one as its source).
            let other_group = r
                .dependencies
                .iter()
                .any(|x| type_of_address(x) == "aws_security_group");
            if !other_group {
                hits.push((r, d.address.clone()));
            }
        }
    }
    for &v in &vpcs {
        // By value only: rules depend on their VPC for many reasons.
        for r in links.by_value(v, &["default_security_group_id"]) {
            hits.push((r, format!("{} (its default security group)", v.address)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (r, group) in hits {
        if seen.insert(r as *const Instance) {
            ctx.report(
                &DEFAULT_SG,
                r,
                path_if_set(&r.values, "security_group_id"),
                format!("This rule adds traffic to the default security group of {group}; it should allow no traffic."),
            );
        }
    }
}

/// One network ACL entry, inline or standalone.
struct Entry<'v> {
    value: &'v Value,
    at: Vec<String>,
    label: String,
    rule_no: Tri<i64>,
    /// `Some(true)` allow, `Some(false)` deny, `None` not known.
    allow: Option<bool>,
    proto_key: &'static str,
}

impl Entry<'_> {
    fn traffic(&self) -> Tri<Traffic> {
        Traffic::read(self.value, self.proto_key)
    }

    /// Whether the entry's IPv4 / IPv6 CIDR is the whole space.
    fn open(&self, key: &str) -> Tri<bool> {
        match str_attr(self.value, key) {
            Tri::Known(c) => Tri::Known(is_open(c)),
            Tri::Absent => Tri::Absent,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

fn inline_entries(v: &Value) -> Vec<Entry<'_>> {
    blocks(v, "ingress")
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.is_null() && !e.is_unknown())
        .map(|(i, e)| Entry {
            value: e,
            at: path(["ingress".to_string(), i.to_string()]),
            label: format!("Entry ingress[{i}]"),
            rule_no: int_attr(e, "rule_no"),
            allow: str_attr(e, "action")
                .known()
                .map(|a| a.eq_ignore_ascii_case("allow")),
            proto_key: "protocol",
        })
        .collect()
}

fn standalone_entry(inst: &Instance) -> Option<Entry<'_>> {
    // An egress rule, or one whose direction is not known, is not ours.
    match bool_attr(&inst.values, "egress") {
        Tri::Known(false) | Tri::Absent => {}
        _ => return None,
    }
    Some(Entry {
        value: &inst.values,
        at: Vec::new(),
        label: "Rule".into(),
        rule_no: int_attr(&inst.values, "rule_number"),
        allow: str_attr(&inst.values, "rule_action")
            .known()
            .map(|a| a.eq_ignore_ascii_case("allow")),
        proto_key: "protocol",
    })
}

/// `AWS008`: allow entries open to the internet on SSH/RDP that no
/// lower-numbered deny entry of the same ACL shadows.
fn network_acls(ctx: &Ctx<'_>) {
    for t in ["aws_network_acl", "aws_default_network_acl"] {
        for &inst in ctx.of_type(t) {
            if blocks(&inst.values, "ingress").is_none() {
                continue;
            }
            let entries = inline_entries(&inst.values);
            for e in &entries {
                check_entry(ctx, inst, e, &entries);
            }
        }
    }
    // Standalone rules, grouped by their (known) ACL so deny rules of the
    // same ACL can shadow allow rules.
    let mut by_acl: HashMap<&str, Vec<&Instance>> = HashMap::new();
    let mut alone: Vec<&Instance> = Vec::new();
    for &inst in ctx.of_type("aws_network_acl_rule") {
        match str_attr(&inst.values, "network_acl_id") {
            Tri::Known(id) => by_acl.entry(id).or_default().push(inst),
            _ => alone.push(inst),
        }
    }
    let mut groups: Vec<Vec<&Instance>> = by_acl.into_values().collect();
    groups.extend(alone.into_iter().map(|i| vec![i]));
    for group in groups {
        let entries: Vec<(&Instance, Entry<'_>)> = group
            .iter()
            .filter_map(|&i| standalone_entry(i).map(|e| (i, e)))
            .collect();
        let all: Vec<Entry<'_>> = group.iter().filter_map(|&i| standalone_entry(i)).collect();
        for (inst, e) in &entries {
            check_entry(ctx, inst, e, &all);
        }
    }
}

fn check_entry(ctx: &Ctx<'_>, inst: &Instance, e: &Entry<'_>, all: &[Entry<'_>]) {
    if e.allow != Some(true) {
        return;
    }
    let Tri::Known(rule_no) = e.rule_no else {
        return;
    };
    let Tri::Known(traffic) = e.traffic() else {
        return;
    };
    for (key, cidr) in [("cidr_block", "0.0.0.0/0"), ("ipv6_cidr_block", "::/0")] {
        if e.open(key) != Tri::Known(true) {
            continue;
        }
        let mut exposed: Vec<&Port> = Vec::new();
        for p in NACL_PORTS.iter().filter(|p| traffic.covers(p)) {
            // Not when denied first, or when an entry that might deny it
            // is not known yet.
            if shadowed(all, rule_no, key, p) == Some(false) {
                exposed.push(p);
            }
        }
        if exposed.is_empty() {
            continue;
        }
        let names = port_names(&exposed);
        let mut at = e.at.clone();
        at.push(key.to_string());
        ctx.report(
            &NACL_ADMIN,
            inst,
            at,
            format!(
                "{} (rule number {rule_no}) allows {} from {cidr}, which includes {names}.",
                e.label,
                traffic.describe()
            ),
        );
    }
}

/// Whether a deny entry numbered below `rule_no` covers port `p` from the
/// whole `key` address family; `None` when an entry that might is not
/// known.
fn shadowed(all: &[Entry<'_>], rule_no: i64, key: &str, p: &Port) -> Option<bool> {
    let mut unsure = false;
    for d in all {
        if d.allow == Some(true) {
            continue;
        }
        let n = match d.rule_no {
            Tri::Known(n) => n,
            _ => {
                unsure = true;
                continue;
            }
        };
        if n >= rule_no {
            continue;
        }
        let t = match (d.allow, d.traffic()) {
            (Some(false), Tri::Known(t)) => t,
            // Denies a protocol without ports (ICMP...): not this one.
            (Some(false), Tri::Absent) => continue,
            _ => {
                unsure = true;
                continue;
            }
        };
        match d.open(key) {
            Tri::Known(true) if t.covers(p) => return Some(true),
            Tri::Unknown => unsure = true,
            _ => {}
        }
    }
    if unsure {
        None
    } else {
        Some(false)
    }
}

fn subnets(ctx: &Ctx<'_>) {
    for &inst in ctx.of_type("aws_subnet") {
        if bool_attr(&inst.values, "map_public_ip_on_launch") == Tri::Known(true) {
            ctx.report(
                &SUBNET_PUBLIC_IP,
                inst,
                ["map_public_ip_on_launch"],
                "map_public_ip_on_launch = true gives every instance launched in this subnet a public IPv4 address.",
            );
        }
    }
}

/// `AWS010`: a VPC is logged when an `aws_flow_log` names it by `vpc_id`
/// (or depends on it while its `vpc_id` is not known yet).
fn flow_logs(ctx: &Ctx<'_>) {
    let logs = Links::new(ctx.of_type("aws_flow_log"), "vpc_id");
    let vpcs: Vec<&Instance> = ctx.of_type("aws_vpc").to_vec();
    for vpc in vpcs {
        if !logs.of(vpc, &["id"]).is_empty() {
            continue;
        }
        ctx.report(
            &FLOW_LOGS,
            vpc,
            Vec::<String>::new(),
            "This VPC has no aws_flow_log, so its network traffic is not recorded.",
        );
    }
}
