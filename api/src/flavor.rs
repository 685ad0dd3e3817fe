//! OVHcloud Public Cloud instance flavors a node pool can use, with the capacity a node of that
//! flavor reports and the resources reserved for the system that make allocatable smaller.
//!
//! Shared here because node pools (config file, NodePool objects), simulated kubelets and the
//! autoscaler all size nodes from the same table. Pure data and arithmetic; no I/O.
//!
//! Reserved resources are calibrated on OVHcloud's b3-16 (4 vCPU, 16 GiB: 170m CPU, 1.59 GB
//! memory, 30 GB ephemeral storage) and derived for the other flavors the same way:
//!
//! - CPU: 90m plus the usual tiers — 6 % of the first core, 1 % of the second, 0.5 % of the
//!   third and fourth, 0.25 % of every further core (b3-16: 90 + 60 + 10 + 5 + 5 = 170m);
//! - memory: the same share of RAM as b3-16's, 1.59 GB per 16 GiB;
//! - ephemeral storage: 30 GB on every flavor (images and logs do not grow with the disk).
//!
//! SIMPLIFICATION: OVHcloud does not publish a formula; the rule above reproduces b3-16 exactly
//! and is an estimate for the other flavors.

/// One instance flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flavor {
    /// The flavor name, e.g. `b3-16`; also the node's `node.kubernetes.io/instance-type`.
    pub name: &'static str,
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Memory in GiB.
    pub memory_gib: u32,
    /// Local disk in GB (decimal), the node's ephemeral storage.
    pub disk_gb: u32,
    /// NVIDIA GPUs (`nvidia.com/gpu`).
    pub gpus: u32,
}

const GIB: u64 = 1024 * 1024 * 1024;
const GB: u64 = 1_000_000_000;

/// Bytes of memory b3-16 reserves (1.59 GB), the calibration point of the memory rule.
const B3_16_RESERVED_MEMORY: u64 = 1_590_000_000;
/// Bytes of ephemeral storage every flavor reserves (30 GB).
const RESERVED_STORAGE: u64 = 30 * GB;
/// Pods per node, OVHcloud's (and Kubernetes') default.
pub const MAX_PODS: u32 = 110;

const fn f(name: &'static str, vcpus: u32, memory_gib: u32, disk_gb: u32, gpus: u32) -> Flavor {
    Flavor {
        name,
        vcpus,
        memory_gib,
        disk_gb,
        gpus,
    }
}

/// Every flavor kubesim knows: general purpose (b2, b3), compute (c3), memory (r3) and GPU (t1).
pub const FLAVORS: &[Flavor] = &[
    f("b2-7", 2, 7, 50, 0),
    f("b2-15", 4, 15, 100, 0),
    f("b2-30", 8, 30, 200, 0),
    f("b2-60", 16, 60, 400, 0),
    f("b2-120", 32, 120, 400, 0),
    f("b3-8", 2, 8, 50, 0),
    f("b3-16", 4, 16, 100, 0),
    f("b3-32", 8, 32, 200, 0),
    f("b3-64", 16, 64, 400, 0),
    f("b3-128", 32, 128, 400, 0),
    f("b3-256", 64, 256, 400, 0),
    f("c3-4", 2, 4, 50, 0),
    f("c3-8", 4, 8, 100, 0),
    f("c3-16", 8, 16, 200, 0),
    f("c3-32", 16, 32, 400, 0),
    f("c3-64", 32, 64, 400, 0),
    f("c3-128", 64, 128, 400, 0),
    f("r3-16", 2, 16, 50, 0),
    f("r3-32", 4, 32, 100, 0),
    f("r3-64", 8, 64, 200, 0),
    f("r3-128", 16, 128, 400, 0),
    f("r3-256", 32, 256, 400, 0),
    f("t1-45", 8, 45, 400, 1),
    f("t1-90", 18, 90, 800, 2),
    f("t1-180", 36, 180, 800, 4),
];

/// The flavor of the default pool.
pub const DEFAULT_FLAVOR: &str = "b3-16";

/// Resources reserved for the system on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// CPU in millicores.
    pub cpu_millis: u64,
    /// Memory in bytes.
    pub memory_bytes: u64,
    /// Ephemeral storage in bytes.
    pub storage_bytes: u64,
}

impl Flavor {
    /// The flavor called `name`, if kubesim knows it.
    pub fn lookup(name: &str) -> Option<&'static Flavor> {
        FLAVORS.iter().find(|f| f.name == name)
    }

    /// The names of every known flavor (for error messages).
    pub fn names() -> Vec<&'static str> {
        FLAVORS.iter().map(|f| f.name).collect()
    }

    /// Whether nodes of this flavor carry GPUs (`node.k8s.ovh/type=gpu`).
    pub fn is_gpu(&self) -> bool {
        self.gpus > 0
    }

    /// Memory in bytes.
    pub fn memory_bytes(&self) -> u64 {
        u64::from(self.memory_gib) * GIB
    }

    /// Ephemeral storage in bytes.
    pub fn storage_bytes(&self) -> u64 {
        u64::from(self.disk_gb) * GB
    }

    /// What the system reserves on a node of this flavor (see the module docs for the rule).
    pub fn reserved(&self) -> Reserved {
        // Tiers in tenths of a millicore per core: 600, 100, 50, 50, then 25.
        let tenths: u64 = (1..=u64::from(self.vcpus))
            .map(|core| match core {
                1 => 600,
                2 => 100,
                3 | 4 => 50,
                _ => 25,
            })
            .sum();
        let memory = (u128::from(self.memory_bytes()) * u128::from(B3_16_RESERVED_MEMORY)
            / u128::from(16 * GIB)) as u64;
        Reserved {
            cpu_millis: 90 + tenths / 10,
            memory_bytes: memory,
            storage_bytes: RESERVED_STORAGE.min(self.storage_bytes()),
        }
    }

    /// The node's `status.capacity`, as a kubelet reports it (memory and storage in `Ki`).
    pub fn capacity(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("cpu".to_string(), self.vcpus.to_string()),
            (
                "ephemeral-storage".to_string(),
                format!("{}Ki", self.storage_bytes() / 1024),
            ),
            ("hugepages-1Gi".to_string(), "0".to_string()),
            ("hugepages-2Mi".to_string(), "0".to_string()),
            (
                "memory".to_string(),
                format!("{}Ki", self.memory_bytes() / 1024),
            ),
        ];
        if self.gpus > 0 {
            out.push(("nvidia.com/gpu".to_string(), self.gpus.to_string()));
        }
        out.push(("pods".to_string(), MAX_PODS.to_string()));
        out
    }

    /// The node's `status.allocatable`: capacity minus what is reserved, as a kubelet reports
    /// it (CPU in millicores, memory in `Ki`, ephemeral storage in bytes).
    pub fn allocatable(&self) -> Vec<(String, String)> {
        let r = self.reserved();
        let cpu = u64::from(self.vcpus) * 1000 - r.cpu_millis;
        let memory = (self.memory_bytes() - r.memory_bytes) / 1024;
        let storage = self.storage_bytes() - r.storage_bytes;
        let mut out = vec![
            ("cpu".to_string(), format!("{cpu}m")),
            ("ephemeral-storage".to_string(), storage.to_string()),
            ("hugepages-1Gi".to_string(), "0".to_string()),
            ("hugepages-2Mi".to_string(), "0".to_string()),
            ("memory".to_string(), format!("{memory}Ki")),
        ];
        if self.gpus > 0 {
            out.push(("nvidia.com/gpu".to_string(), self.gpus.to_string()));
        }
        out.push(("pods".to_string(), MAX_PODS.to_string()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(list: &'a [(String, String)], k: &str) -> &'a str {
        &list.iter().find(|(n, _)| n == k).expect("present").1
    }

    #[test]
    fn b3_16_reserves_what_ovhcloud_documents() {
        let b3 = Flavor::lookup("b3-16").expect("known");
        assert_eq!(
            b3.reserved(),
            Reserved {
                cpu_millis: 170,
                memory_bytes: 1_590_000_000,
                storage_bytes: 30_000_000_000
            }
        );
        let cap = b3.capacity();
        assert_eq!(get(&cap, "cpu"), "4");
        assert_eq!(get(&cap, "memory"), "16777216Ki");
        assert_eq!(get(&cap, "pods"), "110");
        let alloc = b3.allocatable();
        assert_eq!(get(&alloc, "cpu"), "3830m");
        assert_eq!(get(&alloc, "memory"), "15224481Ki");
        assert_eq!(get(&alloc, "ephemeral-storage"), "70000000000");
    }

    #[test]
    fn reserved_cpu_follows_the_tiers() {
        let cpu = |n| Flavor::lookup(n).expect("known").reserved().cpu_millis;
        assert_eq!(cpu("b3-8"), 160);
        assert_eq!(cpu("b3-32"), 180);
        assert_eq!(cpu("b3-64"), 200);
        assert_eq!(cpu("c3-64"), 240);
        assert_eq!(cpu("t1-45"), 180);
    }

    #[test]
    fn reserved_memory_scales_with_ram() {
        let mem = |n| Flavor::lookup(n).expect("known").reserved().memory_bytes;
        assert_eq!(mem("b3-8"), 795_000_000);
        assert_eq!(mem("b3-32"), 3_180_000_000);
        assert_eq!(mem("r3-16"), mem("b3-16"));
    }

    #[test]
    fn gpu_flavors_advertise_their_gpus() {
        let t1 = Flavor::lookup("t1-45").expect("known");
        assert!(t1.is_gpu());
        assert_eq!(get(&t1.capacity(), "nvidia.com/gpu"), "1");
        assert_eq!(get(&t1.allocatable(), "nvidia.com/gpu"), "1");
        assert!(!Flavor::lookup("b3-16").expect("known").is_gpu());
        assert!(Flavor::lookup("b3-17").is_none());
    }
}
