#!/usr/bin/env python3
"""Regenerates `schema.txt`, the wire schema the protobuf decoder walks.

Inputs are two crates from crates.io (both Apache-2.0, both generated from the
Kubernetes API): `k8s-pb` gives every message's field numbers and wire types (it is
prost code generated from upstream's `generated.proto` files) and `k8s-openapi` gives
the JSON field names and which fields are required. Fetch them with cargo (any
project that depends on them, then `cargo fetch`) and run:

    O=~/.cargo/registry/src/*/k8s-openapi-0.29.0/src
    python3 gen_schema.py ~/.cargo/registry/src/*/k8s-pb-0.9.0 \
        $O/v1_33 $O/v1_37 $O/v1_36 $O/v1_35 $O/v1_34 > schema.txt

The first k8s-openapi tree is the Kubernetes version we serve: fields of its messages
that it lacks (k8s-pb follows newer releases) are left out, as a v1.33 apiserver
skips protobuf fields its Go types do not have. The others only supply names for
messages the served version does not have.

Output, one record a line (`#` starts a comment):
    @ <message>                    a message (package path, dot, message name)
    <tag> <json> <type>[*][!][^]   a field: `*` repeated, `!` required (no omitempty),
                                   `^` a Go embedded struct (json name `-`)
    = <apiVersion> <Kind> <message>  a top-level kind
Types: s string, i int32, l int64, b bool, d double, y bytes, .<message>, and
`{` + one of those for a map with string keys.
"""
import os
import re
import sys

PREFIXES = [
    ("api/", ""),
    ("apimachinery/pkg/apis/", ""),
    ("apimachinery/pkg/", ""),
    ("apiextensions_apiserver/pkg/apis/", ""),
    ("kube_aggregator/pkg/apis/", ""),
    ("metrics/pkg/apis/", ""),
]
SKIP = ("apimachinery/pkg/apis/testapigroup",)


def package_id(rel_dir):
    for prefix, repl in PREFIXES:
        if rel_dir.startswith(prefix):
            return (repl + rel_dir[len(prefix):]).replace("/", ".")
    raise SystemExit("unknown package dir " + rel_dir)


def resolve(rust_path, module):
    """Turns a prost type path into a package-qualified message name."""
    rust_path = re.sub(r"\s", "", rust_path).rstrip(",")
    parts = rust_path.split("::")
    if len(parts) == 1:
        return package_id("/".join(module)) + "." + parts[0]
    mod = list(module)
    while parts and parts[0] == "super":
        parts.pop(0)
        mod.pop()
    full = mod + parts
    return package_id("/".join(full[:-1])) + "." + full[-1]


SCALARS = {"string": "s", "int32": "i", "int64": "l", "bool": "b", "double": "d", "bytes": "y"}


def parse_pb_file(path, rel_dir):
    src = open(path).read()
    module = rel_dir.split("/")
    pkg = package_id(rel_dir)
    messages = {}
    kinds = []
    order = []
    for m in re.finditer(r"pub struct (\w+) \{(\}|.*?\n\})", src, re.S):
        name, body = m.group(1), m.group(2)
        fields = []
        for fm in re.finditer(
            r"((?:\s*///[^\n]*\n)*)\s*#\[prost\(([^)]*)\)\]\s*pub (?:r#)?(\w+):\s*(.*?),\n(?=\s*(?:///|#\[|\}|$))",
            body + "\n",
            re.S,
        ):
            doc, attr, snake, rtype = fm.groups()
            tag = int(re.search(r'tag = "(\d+)"', attr).group(1))
            first = attr.split(",")[0].strip()
            repeated = "repeated" in attr
            mm = re.match(r'btree_map = "string, (\w+)"', attr)
            if mm:
                vt = mm.group(1)
                if vt == "message":
                    inner = re.search(r"BTreeMap<\s*::prost::alloc::string::String,\s*(.*?),?\s*>$", rtype, re.S)
                    ty = "{." + resolve(inner.group(1), module)
                else:
                    ty = "{" + SCALARS[vt]
            elif first == "message":
                inner = re.search(r"(?:Option|Vec|Box)<\s*(?:::prost::alloc::boxed::Box<)?\s*(.*?)\s*>+$", rtype, re.S)
                ty = "." + resolve(inner.group(1).rstrip(">").strip(), module)
            elif first.startswith("bytes"):
                ty = "y"
            else:
                ty = SCALARS[first]
            doc_words = re.findall(r"///\s*(\S+)", doc)
            fields.append((tag, snake, ty, repeated, doc_words[0] if doc_words else ""))
        messages[pkg + "." + name] = fields
        order.append(pkg + "." + name)
    for rm in re.finditer(
        r'impl crate::Resource for (\w+) \{\s*const API_VERSION: &\'static str = "([^"]*)";.*?const KIND: &\'static str = "([^"]*)";',
        src,
        re.S,
    ):
        kinds.append((rm.group(2), rm.group(3), pkg + "." + rm.group(1)))
    return order, messages, kinds


def openapi_package(defn):
    # io.k8s.api.apps.v1.DeploymentSpec -> apps.v1.DeploymentSpec
    for prefix in (
        "io.k8s.api.",
        "io.k8s.apimachinery.pkg.apis.",
        "io.k8s.apimachinery.pkg.",
        "io.k8s.apiextensions-apiserver.pkg.apis.",
        "io.k8s.kube-aggregator.pkg.apis.",
    ):
        if defn.startswith(prefix):
            return defn[len(prefix):]
    return None


def parse_openapi(root):
    names = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs"):
                continue
            src = open(os.path.join(dirpath, f)).read()
            hm = re.match(r"// Generated from definition (\S+)", src)
            if not hm:
                continue
            key = openapi_package(hm.group(1))
            if key is None:
                continue
            sm = re.search(r"pub struct \w+ \{(.*?)\n\}", src, re.S)
            if not sm:
                continue
            required = {}
            for fm in re.finditer(r"pub (?:r#)?(\w+): ([^\n]*),\n", sm.group(1) + "\n"):
                required[fm.group(1)] = not fm.group(2).startswith("Option<")
            fields = {}
            for km in re.finditer(r'"([^"]+)" => Field::Key_(\w+),', src):
                fields[norm(km.group(1))] = (km.group(1), required.get(km.group(2), False))
            names[key] = fields
    return names


def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


def camel(snake):
    head, *rest = snake.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def covered(msg, oa, all_msgs):
    """Whether every field of `msg` (through its own embedded structs) is in `oa`."""
    inner = all_msgs[msg]
    return bool(inner) and all(
        norm(f[1]) in oa or (f[2].startswith(".") and not f[3] and covered(f[2][1:], oa, all_msgs))
        for f in inner
    )


def main():
    pb_root, served_root, newer_roots = sys.argv[1], sys.argv[2], sys.argv[3:]
    served = {k.lower(): v for k, v in parse_openapi(served_root).items()}
    # Names come from the served version first, then from newer ones (for messages that
    # only exist there).
    openapi = {}
    for root in newer_roots:
        for key, fields in parse_openapi(root).items():
            openapi.setdefault(key.lower(), {}).update(fields)
    for key, fields in served.items():
        openapi.setdefault(key.lower(), {}).update(fields)
    # Messages of API versions k8s-openapi no longer has (apps/v1beta2...) borrow the
    # names of the same message in another version.
    by_base = {}
    for key, fields in openapi.items():
        base = key.rsplit(".", 1)[1]
        for n, (json, _) in fields.items():
            by_base.setdefault(base, {}).setdefault(n, (json, False))
    all_order, all_msgs, all_kinds = [], {}, []
    src_root = os.path.join(pb_root, "src")
    for dirpath, _, files in sorted(os.walk(src_root)):
        if "mod.rs" not in files:
            continue
        rel = os.path.relpath(dirpath, src_root)
        if rel == "." or rel.startswith(SKIP):
            continue
        src = open(os.path.join(dirpath, "mod.rs")).read()
        if "::prost::Message" not in src:
            continue
        order, msgs, kinds = parse_pb_file(os.path.join(dirpath, "mod.rs"), rel)
        all_order += order
        all_msgs.update(msgs)
        all_kinds += kinds

    # JSON names per message: k8s-openapi's definition of the same name. A field that
    # k8s-openapi lacks but whose message's fields it has is a Go embedded struct
    # (`json:",inline"`): its fields belong to the outer JSON object.
    names = {
        name: openapi.get(name.lower()) or by_base.get(name.rsplit(".", 1)[1].lower())
        for name in all_order
    }
    # The fields the served version has: k8s-pb follows newer releases, and an apiserver
    # skips protobuf fields its own types lack.
    served_names = {name: served.get(name.lower()) for name in all_order}
    inline = set()
    changed = True
    while changed:
        changed = False
        for name in all_order:
            oa = names[name]
            if oa is None:
                continue
            for tag, snake, ty, repeated, _ in all_msgs[name]:
                if (name, tag) in inline or norm(snake) in oa or not ty.startswith(".") or repeated:
                    continue
                if covered(ty[1:], oa, all_msgs):
                    inline.add((name, tag))
                    changed = True
                    if names.get(ty[1:]) is None:
                        names[ty[1:]] = oa
                        served_names[ty[1:]] = served_names[name]

    out = sys.stdout
    out.write(
        "# @generated by gen_schema.py from %s and %s (served: %s); do not edit.\n"
        "# Derived from the Kubernetes API types, Copyright The Kubernetes Authors,\n"
        "# Apache License 2.0 (as are k8s-pb and k8s-openapi).\n"
        % (
            os.path.basename(os.path.normpath(pb_root)),
            os.path.basename(os.path.dirname(os.path.dirname(os.path.normpath(served_root)))),
            os.path.basename(os.path.normpath(served_root)),
        )
    )
    unmatched = []
    dropped = 0
    for name in all_order:
        for tag, snake, ty, repeated, _ in all_msgs[name]:
            if ty.startswith(".") and ty[1:] not in all_msgs:
                raise SystemExit("unresolved type " + ty + " in " + name)
        out.write("@ " + name + "\n")
        oa = names[name] or {}
        other = by_base.get(name.rsplit(".", 1)[1].lower(), {})
        known = served_names[name]
        for tag, snake, ty, repeated, first_doc in all_msgs[name]:
            if known is not None and (name, tag) not in inline and norm(snake) not in known:
                dropped += 1
                continue
            hit = oa.get(norm(snake)) or other.get(norm(snake))
            flags = ("*" if repeated else "")
            if (name, tag) in inline:
                json, flags = "-", flags + "^"
            elif hit:
                json, req = hit
                flags += "!" if req else ""
            else:
                json = first_doc if norm(first_doc) == norm(snake) and first_doc[:1].islower() else camel(snake)
                unmatched.append(name + "." + json)
            out.write("%d %s %s%s\n" % (tag, json, ty, flags))
    for api_version, kind, msg in all_kinds:
        out.write("= %s %s %s\n" % (api_version, kind, msg))
    sys.stderr.write(
        "%d messages, %d kinds, %d inline, %d newer fields left out, %d fields named without k8s-openapi\n"
        % (len(all_order), len(all_kinds), len(inline), dropped, len(unmatched))
    )
    if os.environ.get("VERBOSE"):
        sys.stderr.write("\n".join(unmatched) + "\n")


main()
