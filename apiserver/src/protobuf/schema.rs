//! The wire schema of every built-in Kubernetes message, loaded from `schema.txt`.
//!
//! The file is generated data (see `gen_schema.py`); this module parses it once and adds
//! what the generator cannot know: which Go fields are plain values with `omitempty`
//! (their zero is left out of JSON) and which string pointers keep an empty string.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The generated schema; see `gen_schema.py` for the format.
const SCHEMA_TEXT: &str = include_str!("schema.txt");

/// Number and bool fields that are Go *values* tagged `omitempty`, so that Go's JSON leaves
/// out their zero. A field is listed only when certain: every other optional number or
/// bool keeps a zero that is on the wire, because Go only writes a pointer field when it
/// is set and a `replicas: 0` must survive. (Go writes value fields always, so without
/// this list a decoded Deployment would show `minReadySeconds: 0`, `paused: false` and a
/// status full of zeros.) `targetPort` is an `IntOrString` value whose zero upstream's
/// defaulting treats as unset; leaving it out lets defaulting see it as absent.
const OMIT_ZERO: &[&str] = &[
    // meta.k8s.io
    "meta.v1.ObjectMeta.generation",
    "meta.v1.Condition.observedGeneration",
    "meta.v1.Status.code",
    "meta.v1.StatusDetails.retryAfterSeconds",
    "meta.v1.ListOptions.watch",
    "meta.v1.ListOptions.allowWatchBookmarks",
    "meta.v1.ListOptions.limit",
    // core
    "core.v1.Container.stdin",
    "core.v1.Container.stdinOnce",
    "core.v1.Container.tty",
    "core.v1.EphemeralContainerCommon.stdin",
    "core.v1.EphemeralContainerCommon.stdinOnce",
    "core.v1.EphemeralContainerCommon.tty",
    "core.v1.ContainerPort.hostPort",
    "core.v1.VolumeMount.readOnly",
    "core.v1.Probe.initialDelaySeconds",
    "core.v1.Probe.timeoutSeconds",
    "core.v1.Probe.periodSeconds",
    "core.v1.Probe.successThreshold",
    "core.v1.Probe.failureThreshold",
    "core.v1.PodSpec.hostNetwork",
    "core.v1.PodSpec.hostPID",
    "core.v1.PodSpec.hostIPC",
    "core.v1.PodStatus.observedGeneration",
    "core.v1.PodCondition.observedGeneration",
    "core.v1.ServicePort.nodePort",
    "core.v1.ServicePort.targetPort",
    "core.v1.ServiceSpec.publishNotReadyAddresses",
    "core.v1.ServiceSpec.healthCheckNodePort",
    "core.v1.NodeSpec.unschedulable",
    "core.v1.ContainerImage.sizeBytes",
    "core.v1.ContainerStateTerminated.signal",
    "core.v1.Event.count",
    "core.v1.EventSeries.count",
    "core.v1.ReplicationControllerSpec.minReadySeconds",
    "core.v1.ReplicationControllerStatus.fullyLabeledReplicas",
    "core.v1.ReplicationControllerStatus.readyReplicas",
    "core.v1.ReplicationControllerStatus.availableReplicas",
    "core.v1.ReplicationControllerStatus.observedGeneration",
    "core.v1.AwsElasticBlockStoreVolumeSource.partition",
    "core.v1.AwsElasticBlockStoreVolumeSource.readOnly",
    "core.v1.GcePersistentDiskVolumeSource.partition",
    "core.v1.GcePersistentDiskVolumeSource.readOnly",
    "core.v1.IscsiVolumeSource.readOnly",
    "core.v1.IscsiVolumeSource.chapAuthDiscovery",
    "core.v1.IscsiVolumeSource.chapAuthSession",
    "core.v1.IscsiPersistentVolumeSource.readOnly",
    "core.v1.IscsiPersistentVolumeSource.chapAuthDiscovery",
    "core.v1.IscsiPersistentVolumeSource.chapAuthSession",
    "core.v1.NfsVolumeSource.readOnly",
    "core.v1.RbdVolumeSource.readOnly",
    "core.v1.RbdPersistentVolumeSource.readOnly",
    "core.v1.CinderVolumeSource.readOnly",
    "core.v1.CinderPersistentVolumeSource.readOnly",
    "core.v1.CephFsVolumeSource.readOnly",
    "core.v1.CephFsPersistentVolumeSource.readOnly",
    "core.v1.FcVolumeSource.readOnly",
    "core.v1.FlexVolumeSource.readOnly",
    "core.v1.FlexPersistentVolumeSource.readOnly",
    "core.v1.AzureFileVolumeSource.readOnly",
    "core.v1.AzureFilePersistentVolumeSource.readOnly",
    "core.v1.QuobyteVolumeSource.readOnly",
    "core.v1.PortworxVolumeSource.readOnly",
    "core.v1.ScaleIoVolumeSource.readOnly",
    "core.v1.ScaleIoVolumeSource.sslEnabled",
    "core.v1.ScaleIoPersistentVolumeSource.readOnly",
    "core.v1.ScaleIoPersistentVolumeSource.sslEnabled",
    "core.v1.StorageOsVolumeSource.readOnly",
    "core.v1.StorageOsPersistentVolumeSource.readOnly",
    "core.v1.PersistentVolumeClaimVolumeSource.readOnly",
    "core.v1.GlusterfsVolumeSource.readOnly",
    "core.v1.GlusterfsPersistentVolumeSource.readOnly",
    "core.v1.CSIPersistentVolumeSource.readOnly",
    // apps
    "apps.v1.DeploymentSpec.minReadySeconds",
    "apps.v1.DeploymentSpec.paused",
    "apps.v1.DeploymentStatus.observedGeneration",
    "apps.v1.DeploymentStatus.replicas",
    "apps.v1.DeploymentStatus.updatedReplicas",
    "apps.v1.DeploymentStatus.readyReplicas",
    "apps.v1.DeploymentStatus.availableReplicas",
    "apps.v1.DeploymentStatus.unavailableReplicas",
    "apps.v1.StatefulSetSpec.minReadySeconds",
    "apps.v1.StatefulSetStatus.observedGeneration",
    "apps.v1.StatefulSetStatus.readyReplicas",
    "apps.v1.StatefulSetStatus.currentReplicas",
    "apps.v1.StatefulSetStatus.updatedReplicas",
    "apps.v1.DaemonSetSpec.minReadySeconds",
    "apps.v1.DaemonSetStatus.observedGeneration",
    "apps.v1.DaemonSetStatus.updatedNumberScheduled",
    "apps.v1.DaemonSetStatus.numberAvailable",
    "apps.v1.DaemonSetStatus.numberUnavailable",
    "apps.v1.ReplicaSetSpec.minReadySeconds",
    "apps.v1.ReplicaSetStatus.fullyLabeledReplicas",
    "apps.v1.ReplicaSetStatus.readyReplicas",
    "apps.v1.ReplicaSetStatus.availableReplicas",
    "apps.v1.ReplicaSetStatus.observedGeneration",
    // batch, policy, networking, scheduling, auth, events
    "batch.v1.JobStatus.active",
    "batch.v1.JobStatus.succeeded",
    "batch.v1.JobStatus.failed",
    "policy.v1.PodDisruptionBudgetStatus.observedGeneration",
    "networking.v1.ServiceBackendPort.number",
    "scheduling.v1.PriorityClass.globalDefault",
    "authorization.v1.SubjectAccessReviewStatus.denied",
    "authentication.v1.TokenReviewStatus.authenticated",
    "events.v1.Event.deprecatedCount",
    // apiextensions
    "apiextensions.v1.JsonSchemaProps.exclusiveMaximum",
    "apiextensions.v1.JsonSchemaProps.exclusiveMinimum",
    "apiextensions.v1.JsonSchemaProps.uniqueItems",
    "apiextensions.v1.JsonSchemaProps.nullable",
    "apiextensions.v1.JsonSchemaProps.x-kubernetes-embedded-resource",
    "apiextensions.v1.JsonSchemaProps.x-kubernetes-int-or-string",
    "apiextensions.v1.CustomResourceDefinitionSpec.preserveUnknownFields",
    "apiextensions.v1.CustomResourceDefinitionVersion.deprecated",
];

/// String pointers (`*string`) where an empty string differs from unset, or that
/// client-go sets to `""` on purpose; every other empty string is dropped.
const KEEP_EMPTY: &[&str] = &[
    // "" turns dynamic provisioning off.
    "core.v1.PersistentVolumeClaimSpec.storageClassName",
    "core.v1.PersistentVolumeClaimSpec.volumeAttributesClassName",
    // client-go's leader election releases a lease by writing "".
    "coordination.v1.LeaseSpec.holderIdentity",
    // The unnamed port of an EndpointSlice.
    "discovery.v1.EndpointPort.name",
];

/// A scalar protobuf type as Kubernetes uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scalar {
    String,
    Int32,
    Int64,
    Bool,
    Double,
    Bytes,
}

/// The type of a field, or of a map's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ty {
    Scalar(Scalar),
    /// Index into [`Schema::messages`].
    Message(usize),
}

/// Whether a field holds one value, a list or a string-keyed map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Card {
    Single,
    Repeated,
    Map,
}

/// One field of a message.
#[derive(Debug)]
pub(super) struct Field {
    pub tag: u32,
    /// The JSON name (`-` for an embedded struct).
    pub json: &'static str,
    pub ty: Ty,
    pub card: Card,
    /// No `omitempty` in Go: printed even when empty or zero.
    pub required: bool,
    /// A Go embedded struct whose fields belong to the enclosing JSON object.
    pub inline: bool,
    /// A Go value field with `omitempty`: its zero is left out.
    pub omit_zero: bool,
    /// A string pointer whose empty value is kept.
    pub keep_empty: bool,
}

/// Messages whose JSON form is not an object of their fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Special {
    None,
    Time,
    MicroTime,
    Duration,
    Quantity,
    IntOrString,
    /// `runtime.RawExtension`: raw bytes of an embedded object.
    RawExtension,
    /// `FieldsV1` and apiextensions `JSON`: raw JSON bytes.
    RawJson,
    /// A Go named string slice (`Verbs`, `ExtraValue`) wrapped in an `items` field.
    StringList,
    SchemaOrArray,
    SchemaOrBool,
    SchemaOrStringArray,
}

impl Special {
    fn for_message(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        let base = lower.rsplit('.').next().unwrap_or_default();
        match lower.as_str() {
            "meta.v1.time" => Self::Time,
            "meta.v1.microtime" => Self::MicroTime,
            "meta.v1.duration" => Self::Duration,
            "meta.v1.fieldsv1" => Self::RawJson,
            "meta.v1.verbs" => Self::StringList,
            "api.resource.quantity" => Self::Quantity,
            "util.intstr.intorstring" => Self::IntOrString,
            "runtime.rawextension" => Self::RawExtension,
            _ if lower.starts_with("apiextensions.") => match base {
                "json" => Self::RawJson,
                "jsonschemapropsorarray" => Self::SchemaOrArray,
                "jsonschemapropsorbool" => Self::SchemaOrBool,
                "jsonschemapropsorstringarray" => Self::SchemaOrStringArray,
                _ => Self::None,
            },
            _ if base == "extravalue" => Self::StringList,
            _ => Self::None,
        }
    }
}

/// One message type.
#[derive(Debug)]
pub(super) struct Message {
    /// Package and name, e.g. `apps.v1.Deployment`.
    pub name: &'static str,
    pub special: Special,
    /// In Go struct order, which is the order Go prints JSON in.
    pub fields: Vec<Field>,
}

impl Message {
    pub(super) fn field(&self, tag: u32) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == tag)
    }
}

/// Every message, and the top-level kinds.
#[derive(Debug)]
pub(super) struct Schema {
    pub messages: Vec<Message>,
    /// Lower-cased message name to index.
    by_name: HashMap<String, usize>,
    /// (apiVersion, kind) to index.
    kinds: HashMap<(&'static str, &'static str), usize>,
    /// API group to the package that holds its messages (`""` → `core`).
    group_packages: HashMap<&'static str, &'static str>,
}

/// Kinds of meta.k8s.io that clients send under any group version.
const META_KINDS: &[&str] = &[
    "DeleteOptions",
    "CreateOptions",
    "UpdateOptions",
    "PatchOptions",
    "GetOptions",
    "ListOptions",
    "Status",
    "WatchEvent",
    "PartialObjectMetadata",
    "PartialObjectMetadataList",
    "Table",
    "TableOptions",
];

impl Schema {
    /// The schema, parsed on first use.
    pub(super) fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema::parse(SCHEMA_TEXT))
    }

    /// Parses the generated text. The file is checked in and covered by tests, so a line
    /// that does not parse is skipped rather than failing requests at run time.
    fn parse(text: &'static str) -> Schema {
        struct RawField {
            tag: u32,
            json: &'static str,
            ty: &'static str,
            flags: &'static str,
        }
        let mut raw: Vec<(&'static str, Vec<RawField>)> = Vec::new();
        let mut kind_lines = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            } else if let Some(name) = line.strip_prefix("@ ") {
                raw.push((name, Vec::new()));
            } else if let Some(rest) = line.strip_prefix("= ") {
                let mut parts = rest.split(' ');
                if let (Some(api_version), Some(kind), Some(message)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    kind_lines.push((api_version, kind, message));
                }
            } else if let Some((_, fields)) = raw.last_mut() {
                let mut parts = line.split(' ');
                let (Some(tag), Some(json), Some(ty)) = (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let Ok(tag) = tag.parse() else { continue };
                let split = ty.find(['*', '!', '^']).unwrap_or(ty.len());
                fields.push(RawField {
                    tag,
                    json,
                    ty: &ty[..split],
                    flags: &ty[split..],
                });
            }
        }

        let by_name: HashMap<String, usize> = raw
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.to_ascii_lowercase(), i))
            .collect();
        let scalar = |code: &str| match code {
            "s" => Some(Scalar::String),
            "i" => Some(Scalar::Int32),
            "l" => Some(Scalar::Int64),
            "b" => Some(Scalar::Bool),
            "d" => Some(Scalar::Double),
            "y" => Some(Scalar::Bytes),
            _ => None,
        };
        let messages = raw
            .into_iter()
            .map(|(name, fields)| Message {
                name,
                special: Special::for_message(name),
                fields: fields
                    .into_iter()
                    .filter_map(|f| {
                        let (card, code) = match f.ty.strip_prefix('{') {
                            Some(value) => (Card::Map, value),
                            None if f.flags.contains('*') => (Card::Repeated, f.ty),
                            None => (Card::Single, f.ty),
                        };
                        let ty = match code.strip_prefix('.') {
                            Some(message) => {
                                Ty::Message(*by_name.get(&message.to_ascii_lowercase())?)
                            }
                            None => Ty::Scalar(scalar(code)?),
                        };
                        let key = format!("{name}.{}", f.json);
                        Some(Field {
                            tag: f.tag,
                            json: f.json,
                            ty,
                            card,
                            required: f.flags.contains('!'),
                            inline: f.flags.contains('^'),
                            omit_zero: OMIT_ZERO.contains(&key.as_str()),
                            keep_empty: KEEP_EMPTY.contains(&key.as_str()),
                        })
                    })
                    .collect(),
            })
            .collect();

        let mut kinds = HashMap::new();
        let mut group_packages = HashMap::from([("meta.k8s.io", "meta")]);
        for (api_version, kind, message) in kind_lines {
            let Some(&index) = by_name.get(&message.to_ascii_lowercase()) else {
                continue;
            };
            kinds.insert((api_version, kind), index);
            let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
            // `apps.v1.Deployment` → `apps`.
            let mut pieces = message.rsplitn(3, '.');
            if let (Some(_), Some(_), Some(package)) = (pieces.next(), pieces.next(), pieces.next())
            {
                group_packages.entry(group).or_insert(package);
            }
        }
        Schema {
            messages,
            by_name,
            kinds,
            group_packages,
        }
    }

    /// The message of a top-level kind.
    pub(super) fn kind(&self, api_version: &str, kind: &str) -> Option<usize> {
        if let Some(&index) = self.kinds.get(&(api_version, kind)) {
            return Some(index);
        }
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        // Subresource kinds (Scale, Eviction, TokenRequest, Binding) and other versions of
        // a known group: look in the group's package, for messages that are objects.
        let package = match self.group_packages.get(group) {
            Some(package) => (*package).to_string(),
            None if group.is_empty() => "core".to_string(),
            None => group.split('.').next().unwrap_or(group).to_string(),
        };
        let candidate = format!("{package}.{version}.{kind}").to_ascii_lowercase();
        if let Some(&index) = self.by_name.get(&candidate) {
            let message = &self.messages[index];
            if message.fields.iter().any(|f| f.json == "metadata") {
                return Some(index);
            }
        }
        if META_KINDS.contains(&kind) {
            return self
                .by_name
                .get(&format!("meta.v1.{kind}").to_ascii_lowercase())
                .copied();
        }
        None
    }

    #[cfg(test)]
    pub(super) fn message(&self, name: &str) -> Option<&Message> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.messages[i])
    }

    #[cfg(test)]
    pub(super) fn curated_names() -> impl Iterator<Item = &'static str> {
        OMIT_ZERO.iter().chain(KEEP_EMPTY).copied()
    }
}
