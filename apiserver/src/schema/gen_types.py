#!/usr/bin/env python3
"""Regenerates `types.txt`, the type metadata of every built-in Kubernetes type.

The source is the k8s-openapi crate (Apache-2.0, generated from the Kubernetes
OpenAPI document): its structs give every type's fields (JSON names from the
`Deserialize` impls, shapes from the Rust field types) and its `DeepMerge` impls
encode the server-side apply list semantics (`merge_strategies::list::atomic`,
`list::set`, `list::map` with key closures, `map::atomic`). Strategic merge patch
metadata (`patchStrategy`, `patchMergeKey`) and the full list-map keys are read from
the `+patchStrategy=`, `+patchMergeKey=`, `+listType=`, `+listMapKey=`, `+mapType=`
and `+structType=` markers that the k8s-pb crate (Apache-2.0, generated from
upstream's `generated.proto`) keeps in its doc comments. What neither carries is in
the hand-written override table of `schema.rs` (it cites upstream's struct tags).

Fetch the crates with cargo (the workspace depends on k8s-openapi; any project that
depends on k8s-pb 0.9, then `cargo fetch`) and run from this directory:

    R=~/.cargo/registry/src/*
    python3 gen_types.py $R/k8s-openapi-0.29.0/src/v1_33 $R/k8s-pb-0.9.0 > types.txt

Output, one record a line (`#` starts a comment):
    @ <definition> [atomic]        a type (OpenAPI definition name); `atomic` is
                                   `+structType=atomic` (SSA replaces it whole)
    <json> <shape> [<attr>...]     a field of the type above
    = <group> <version> <Kind> <definition>   a top-level kind (group `-` for core)
Shapes: `s` string, `i` integer, `n` number, `b` boolean, `q` Quantity, `t` time
(Time, MicroTime), `x` IntOrString, `y` bytes (base64 string), `a` any JSON, `.<def>`
an object type; `[` + shape a list of it, `{` + shape a map with string keys to it.
Attributes:
    list=atomic | list=set | list=map:<k1>,<k2>   SSA list type and list-map keys
    map=atomic                                    SSA map type of a map field
    patch=<strategy>                              SMP patchStrategy tag (merge, replace,
                                                  retainKeys, merge,retainKeys)
    key=<name>                                    SMP patchMergeKey tag
"""
import os
import re
import sys

# --- k8s-openapi ---------------------------------------------------------------

SCALAR_RUST = {
    "std::string::String": "s",
    "String": "s",
    "bool": "b",
    "i32": "i",
    "i64": "i",
    "f64": "n",
    "crate::ByteString": "y",
    "crate::serde_json::Value": "a",
}

# Definitions that k8s-openapi models as newtypes or enums: their JSON is a scalar or
# arbitrary JSON, not an object with fields.
SPECIAL_DEFS = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "q",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "t",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "t",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "x",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "a",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "a",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "a",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": "a",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": "a",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": "a",
}


def read_openapi(root):
    """Returns ({rust path: definition}, {definition: info}, [kinds])."""
    paths = {}
    defs = {}
    kinds = []
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            src = open(os.path.join(dirpath, f)).read()
            hm = re.match(r"// Generated from definition (\S+)", src)
            if not hm:
                continue
            defn = hm.group(1)
            sm = re.search(r"\npub (?:struct|enum) (\w+)", src)
            if not sm:
                continue
            rel = os.path.relpath(dirpath, root).replace(os.sep, "::")
            paths["crate::" + rel + "::" + sm.group(1)] = defn
            defs[defn] = src
            rm = re.search(
                r'impl crate::Resource for \w+ \{.*?const GROUP: &\'static str = "([^"]*)";'
                r'.*?const KIND: &\'static str = "([^"]*)";.*?const VERSION: &\'static str = "([^"]*)";',
                src,
                re.S,
            )
            if rm and "pub struct" in src and not defn.endswith("List"):
                kinds.append((rm.group(1) or "-", rm.group(3), rm.group(2), defn))
    return paths, defs, kinds


def shape_of(rust, paths):
    rust = re.sub(r"\s", "", rust)
    m = re.fullmatch(r"Option<(.*)>", rust)
    if m:
        rust = m.group(1)
    m = re.fullmatch(r"Box<(.*)>", rust) or re.fullmatch(r"std::boxed::Box<(.*)>", rust)
    if m:
        rust = m.group(1)
    m = re.fullmatch(r"std::vec::Vec<(.*)>", rust)
    if m:
        return "[" + shape_of(m.group(1), paths)
    m = re.fullmatch(r"std::collections::BTreeMap<std::string::String,(.*)>", rust)
    if m:
        return "{" + shape_of(m.group(1), paths)
    if rust in SCALAR_RUST:
        return SCALAR_RUST[rust]
    if rust in paths:
        defn = paths[rust]
        return SPECIAL_DEFS.get(defn, "." + defn)
    raise SystemExit("unknown Rust type " + rust)


def json_names_of(src):
    """{Rust field name: JSON name} of one k8s-openapi struct."""
    return {km.group(2): km.group(1) for km in re.finditer(r'"([^"]+)" => Field::Key_(\w+),', src)}


def parse_struct(defn, src, paths, defs):
    """Fields of one k8s-openapi struct: [(json, snake, shape, merge)]."""
    if re.search(r"\npub struct \w+\(pub crate::serde_json::Value\);", src):
        return []  # an object without declared fields (e.g. the CRD `status` subresource)
    sm = re.search(r"\npub struct \w+ \{(\}|.*?\n\})", src, re.S)
    if not sm:
        return None
    types = {}
    for fm in re.finditer(r"\n    pub (?:r#)?(\w+): ([^\n]*),\n", sm.group(1) + "\n"):
        types[fm.group(1)] = fm.group(2)
    json_names = json_names_of(src)
    merges = {}
    mm = re.search(r"fn merge_from\(&mut self, other: Self\) \{(.*?)\n    \}\n", src, re.S)
    body = mm.group(1) if mm else ""
    for m in re.finditer(r"merge_strategies::list::(atomic|set)\(&mut self\.(?:r#)?(\w+),", body):
        merges[m.group(2)] = ("list", m.group(1))
    for m in re.finditer(
        r"merge_strategies::list::map\(\s*&mut self\.(?:r#)?(\w+),\s*other\.\w+,\s*&\[(.*?)\],", body, re.S
    ):
        keys = re.findall(r"lhs\.(?:r#)?(\w+) == rhs", m.group(2))
        # The key closures name fields of the item type.
        item = shape_of(types[m.group(1)], paths)
        item_names = json_names_of(defs.get(item[2:], "")) if item.startswith("[.") else {}
        merges[m.group(1)] = ("list", "map:" + ",".join(item_names[k] for k in keys))
    for m in re.finditer(r"merge_strategies::map::(atomic|granular)\(&mut self\.(?:r#)?(\w+),", body):
        merges[m.group(2)] = ("map", m.group(1))
    fields = []
    for snake, rust in types.items():
        json = json_names.get(snake)
        if json is None:
            raise SystemExit("no JSON name for %s.%s" % (defn, snake))
        fields.append((json, snake, shape_of(rust, paths), merges.get(snake)))
    if "apiVersion" in json_names.values() and "api_version" not in types:
        # Resource structs carry apiVersion and kind as constants, not fields.
        fields += [("apiVersion", "api_version", "s", None), ("kind", "kind", "s", None)]
    return fields


# --- k8s-pb markers ---------------------------------------------------------------

PB_PREFIXES = [
    ("api/", "io.k8s.api."),
    ("apimachinery/pkg/apis/", "io.k8s.apimachinery.pkg.apis."),
    ("apimachinery/pkg/", "io.k8s.apimachinery.pkg."),
    ("apiextensions_apiserver/pkg/apis/", "io.k8s.apiextensions-apiserver.pkg.apis."),
    ("kube_aggregator/pkg/apis/", "io.k8s.kube-aggregator.pkg.apis."),
]


def pb_package(rel_dir):
    for prefix, repl in PB_PREFIXES:
        if rel_dir.startswith(prefix):
            return repl + rel_dir[len(prefix):].replace("/", ".")
    return None


def markers(doc):
    out = {}
    for m in re.finditer(r"///\s*\+(\w+)=(\S+)", doc):
        out.setdefault(m.group(1), []).append(m.group(2))
    return out


def read_pb(root):
    """Returns {definition: (struct markers, {norm(snake): field markers})}."""
    out = {}
    src_root = os.path.join(root, "src")
    for dirpath, _, files in sorted(os.walk(src_root)):
        if "mod.rs" not in files:
            continue
        pkg = pb_package(os.path.relpath(dirpath, src_root))
        if pkg is None:
            continue
        src = open(os.path.join(dirpath, "mod.rs")).read()
        for m in re.finditer(
            r"((?:///[^\n]*\n)*)#\[derive\([^)]*::prost::Message\)\]\npub struct (\w+) \{(\}|.*?\n\})", src, re.S
        ):
            doc, name, body = m.groups()
            fields = {}
            embedded = []
            for fm in re.finditer(
                r"((?:\s*///[^\n]*\n)*)\s*#\[prost\(([^)]*)\)\]\s*pub (?:r#)?(\w+):\s*([^\n]*),\n", body
            ):
                fields[norm(fm.group(3))] = markers(fm.group(1))
                ty = re.sub(r"^.*?(\w+)>*$", r"\1", fm.group(4))
                if norm(ty) == norm(fm.group(3)):
                    # A Go embedded struct (`json:",inline"`): its fields are ours.
                    embedded.append(pkg + "." + ty)
            out[pkg + "." + name] = (markers(doc), fields, embedded)
    for name, (doc, fields, embedded) in out.items():
        for inner in embedded:
            for k, v in out.get(inner, ({}, {}, []))[1].items():
                fields.setdefault(k, v)
    return {name: (doc, fields) for name, (doc, fields, _) in out.items()}


# Upstream metadata that neither k8s-openapi nor the proto markers carry, keyed by
# (definition, JSON field name), each citing its upstream struct tag. None is needed for
# v1.33: every `patchStrategy`/`patchMergeKey` struct tag of the served types has its
# `+patchStrategy`/`+patchMergeKey` marker in `generated.proto` (checked against
# DeploymentSpec.strategy `patchStrategy:"retainKeys"`, PodSpec.volumes
# `patchStrategy:"merge,retainKeys" patchMergeKey:"name"`, the multi-key list maps such
# as Container.ports `+listMapKey=containerPort +listMapKey=protocol`). Add entries as
#     ("io.k8s.api.<group>.<version>.<Type>", "<jsonField>"):
#         {"patchStrategy": ["merge"], "patchMergeKey": ["name"]},  # types.go: `patchStrategy:...`
# with the struct tag they copy in a comment.
OVERRIDES = {}


def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


def main():
    openapi_root, pb_root = sys.argv[1], sys.argv[2]
    paths, defs, kinds = read_openapi(openapi_root)
    pb = read_pb(pb_root)
    out = sys.stdout
    out.write(
        "# @generated by gen_types.py from %s (%s) and the markers of %s; do not edit.\n"
        "# Regenerate: R=~/.cargo/registry/src/*; python3 gen_types.py "
        "$R/k8s-openapi-0.29.0/src/v1_33 $R/k8s-pb-0.9.0 > types.txt\n"
        "# Derived from the Kubernetes API types, Copyright The Kubernetes Authors,\n"
        "# Apache License 2.0 (as are k8s-openapi and k8s-pb).\n"
        % (
            os.path.basename(os.path.dirname(os.path.dirname(os.path.normpath(openapi_root)))),
            os.path.basename(os.path.normpath(openapi_root)),
            os.path.basename(os.path.normpath(pb_root)),
        )
    )
    n_types = n_marked = 0
    for defn in sorted(defs):
        if defn in SPECIAL_DEFS:
            continue
        fields = parse_struct(defn, defs[defn], paths, defs)
        if fields is None:
            continue
        n_types += 1
        struct_marks, field_marks = pb.get(defn, ({}, {}))
        atomic = struct_marks.get("structType") == ["atomic"]
        out.write("@ %s%s\n" % (defn, " atomic" if atomic else ""))
        for json, snake, shape, merge in sorted(fields):
            attrs = []
            fm = dict(field_marks.get(norm(snake), {}))
            fm.update(OVERRIDES.get((defn, json), {}))
            if fm:
                n_marked += 1
            if shape.startswith("["):
                # The list type: upstream's markers when present (they keep every list-map
                # key), else what k8s-openapi's DeepMerge encodes.
                lt = (fm.get("listType") or [None])[0]
                if lt == "map" and fm.get("listMapKey"):
                    attrs.append("list=map:" + ",".join(fm["listMapKey"]))
                elif lt in ("atomic", "set"):
                    attrs.append("list=" + lt)
                elif merge and merge[0] == "list":
                    attrs.append("list=" + merge[1])
                else:
                    attrs.append("list=atomic")
            if shape.startswith("{"):
                if fm.get("mapType") == ["atomic"] or merge == ("map", "atomic"):
                    attrs.append("map=atomic")
            if fm.get("patchStrategy"):
                attrs.append("patch=" + fm["patchStrategy"][0])
            if fm.get("patchMergeKey"):
                attrs.append("key=" + fm["patchMergeKey"][0])
            out.write(" ".join([json, shape] + attrs) + "\n")
    for group, version, kind, defn in sorted(kinds):
        out.write("= %s %s %s %s\n" % (group, version, kind, defn))
    sys.stderr.write("%d types, %d kinds, %d fields with upstream markers\n" % (n_types, len(kinds), n_marked))


main()
