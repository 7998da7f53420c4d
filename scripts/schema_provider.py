"""A Terraform provider that replays a vendored schema: the judge's provider.

Real Terraform checks a configuration (types, references, required and
conflicting arguments, block counts) against whatever schema a provider
reports. No real provider binary can be fetched here, so this program
speaks Terraform's plugin protocol (version 6, over gRPC with go-plugin's
handshake and automatic mutual TLS) and serves a schema from
`schemas/providers/*.json` (the shape of one entry of `terraform providers
schema -json`). It accepts every configuration, plans a create by marking
every computed attribute that the configuration leaves unset as unknown,
answers an import with a state holding only the id, and reads a state back
unchanged. It never calls a cloud API; an apply (the judge applies the
shared root of a project with environments, into a local state, so that
the environments' roots can read its outputs) gives every value the plan
left unknown a placeholder of its type.

The protocol bindings (tfplugin6 messages and services, go-plugin's
controller and stdio services) come from PyPI `tf`, a maintained framework
for Python providers; its own resource layer is not used, since a replayed
schema is data, not Python classes.

    python schema_provider.py SCHEMA.json          # started by Terraform
    python schema_provider.py --compile SCHEMA.json OUT.pb

`--compile` writes the GetProviderSchema response once, so that each of the
many starts during a plan only parses bytes; the server takes either form.
"""
import base64
import datetime
import json
import os
import sys
import tempfile
import threading
from concurrent import futures

import grpc
import msgpack
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

# cty's msgpack form of an unknown value: fixext1, type 0, one zero byte.
UNKNOWN = msgpack.ExtType(0, b"\x00")

BLOCK_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
    "group": pb.Schema.NestedBlock.GROUP,
}
OBJECT_NESTING = {
    "single": pb.Schema.Object.SINGLE,
    "list": pb.Schema.Object.LIST,
    "set": pb.Schema.Object.SET,
    "map": pb.Schema.Object.MAP,
}


# --- the schema: JSON (as `terraform providers schema -json`) to protobuf ---


def attribute_pb(name, a):
    attr = pb.Schema.Attribute(
        name=name,
        description=a.get("description", ""),
        required=a.get("required", False),
        optional=a.get("optional", False),
        computed=a.get("computed", False),
        sensitive=a.get("sensitive", False),
        deprecated=a.get("deprecated", False),
    )
    if "nested_type" in a:
        attr.nested_type.CopyFrom(object_pb(a["nested_type"]))
    else:
        attr.type = json.dumps(a["type"], separators=(",", ":")).encode()
    return attr


def object_pb(o):
    obj = pb.Schema.Object(nesting=OBJECT_NESTING[o["nesting_mode"]])
    for name, a in sorted(o.get("attributes", {}).items()):
        obj.attributes.append(attribute_pb(name, a))
    return obj


def block_pb(b):
    block = pb.Schema.Block(description=b.get("description", ""), deprecated=b.get("deprecated", False))
    for name, a in sorted(b.get("attributes", {}).items()):
        block.attributes.append(attribute_pb(name, a))
    for name, bt in sorted(b.get("block_types", {}).items()):
        block.block_types.append(
            pb.Schema.NestedBlock(
                type_name=name,
                block=block_pb(bt["block"]),
                nesting=BLOCK_NESTING[bt["nesting_mode"]],
                min_items=bt.get("min_items", 0),
                max_items=bt.get("max_items", 0),
            )
        )
    return block


def schema_pb(s):
    return pb.Schema(version=s.get("version", 0), block=block_pb(s["block"]))


def schema_response(doc):
    # The whole output of `terraform providers schema -json`: its one entry.
    if "provider_schemas" in doc:
        entries = list(doc["provider_schemas"].values())
        if len(entries) != 1:
            raise SystemExit(f"a schema file for one provider holds {len(entries)}")
        doc = entries[0]
    resp = pb.GetProviderSchema.Response(provider=schema_pb(doc.get("provider", {"block": {}})))
    for name, s in doc.get("resource_schemas", {}).items():
        resp.resource_schemas[name].CopyFrom(schema_pb(s))
    for name, s in doc.get("data_source_schemas", {}).items():
        resp.data_source_schemas[name].CopyFrom(schema_pb(s))
    return resp


def load_schema(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".json"):
        return schema_response(json.loads(data))
    resp = pb.GetProviderSchema.Response()
    resp.ParseFromString(data)
    return resp


# --- values: cty's msgpack form, walked by the schema ---


def decode(dv):
    if dv.msgpack:
        return msgpack.unpackb(dv.msgpack, raw=False, strict_map_key=False)
    if dv.json:
        return json.loads(dv.json)
    return None


def encode(value):
    return pb.DynamicValue(msgpack=msgpack.packb(value, use_bin_type=True))


def is_object(v):
    return isinstance(v, dict)


def unknown_computed(attrs, obj):
    """Marks each computed attribute that is null in `obj` as unknown, and
    descends into nested attribute types."""
    for a in attrs:
        v = obj.get(a.name)
        if v is None:
            if a.computed:
                obj[a.name] = UNKNOWN
            continue
        if a.HasField("nested_type"):
            each_object(a.nested_type.nesting, v, lambda o: unknown_computed(a.nested_type.attributes, o))


def each_object(nesting, v, f):
    # SINGLE and GROUP have the same value (1 and 5 differ by enum, not shape).
    if isinstance(v, dict) and nesting in (pb.Schema.Object.SINGLE, pb.Schema.NestedBlock.GROUP):
        f(v)
    elif isinstance(v, list):
        for item in v:
            if is_object(item):
                f(item)
    elif isinstance(v, dict) and nesting == pb.Schema.Object.MAP:
        for item in v.values():
            if is_object(item):
                f(item)


def plan_block(block, obj):
    unknown_computed(block.attributes, obj)
    for bt in block.block_types:
        v = obj.get(bt.type_name)
        if v is None:
            continue
        if bt.nesting in (pb.Schema.NestedBlock.SINGLE, pb.Schema.NestedBlock.GROUP):
            if is_object(v):
                plan_block(bt.block, v)
        elif bt.nesting == pb.Schema.NestedBlock.MAP:
            if is_object(v):
                for item in v.values():
                    if is_object(item):
                        plan_block(bt.block, item)
        elif isinstance(v, list):
            for item in v:
                if is_object(item):
                    plan_block(bt.block, item)


def null_object(block):
    """The state of a resource of which only the id is known."""
    obj = {a.name: None for a in block.attributes}
    for bt in block.block_types:
        if bt.nesting in (pb.Schema.NestedBlock.LIST, pb.Schema.NestedBlock.SET):
            obj[bt.type_name] = []
        elif bt.nesting == pb.Schema.NestedBlock.MAP:
            obj[bt.type_name] = {}
        else:
            obj[bt.type_name] = None
    return obj


def read_data(block, obj):
    """A data source's state: each computed attribute the configuration
    leaves null gets a known value of its type (a data source is read at
    plan time, so what references to it carry must be known and typed)."""
    for a in block.attributes:
        if obj.get(a.name) is None and a.computed and a.type:
            t = json.loads(a.type)
            if t == "string":
                obj[a.name] = "read-" + a.name
            elif t == "number":
                obj[a.name] = 1
            elif t == "bool":
                obj[a.name] = False
            elif isinstance(t, list) and t[0] in ("list", "set"):
                obj[a.name] = []
            elif isinstance(t, list) and t[0] == "map":
                obj[a.name] = {}


def known_value(type_json, name):
    """A known value of a Terraform type, for what apply would learn."""
    t = json.loads(type_json) if isinstance(type_json, (str, bytes)) else type_json
    if t == "string":
        return "applied-" + name
    if t == "number":
        return 1
    if t == "bool":
        return False
    if isinstance(t, list) and t[0] in ("list", "set"):
        return []
    if isinstance(t, list) and t[0] in ("map", "object"):
        return {}
    return None


def apply_block(block, obj):
    """The state after apply: every value still unknown in the plan gets a
    known value of its type (the judge applies the shared root of a project
    with environments, so that the environments' roots can read its
    outputs)."""
    for a in block.attributes:
        v = obj.get(a.name)
        if isinstance(v, msgpack.ExtType):
            obj[a.name] = known_value(a.type, a.name) if a.type else None
        elif v is not None and a.HasField("nested_type"):
            each_object(a.nested_type.nesting, v, lambda o: apply_nested(a.nested_type.attributes, o))
    for bt in block.block_types:
        v = obj.get(bt.type_name)
        if isinstance(v, dict):
            apply_block(bt.block, v)
        elif isinstance(v, list):
            for item in v:
                if is_object(item):
                    apply_block(bt.block, item)


def apply_nested(attrs, obj):
    for a in attrs:
        if isinstance(obj.get(a.name), msgpack.ExtType):
            obj[a.name] = known_value(a.type, a.name) if a.type else None


# --- the service ---


class ReplayProvider(rpc.ProviderServicer):
    def __init__(self, schema):
        self.schema = schema

    def GetMetadata(self, request, context):
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in self.schema.resource_schemas],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in self.schema.data_source_schemas],
        )

    def GetProviderSchema(self, request, context):
        return self.schema

    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request, context):
        return pb.ConfigureProvider.Response()

    def UpgradeResourceState(self, request, context):
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))

    def ReadResource(self, request, context):
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request, context):
        proposed = decode(request.proposed_new_state)
        if proposed is None:
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        plan_block(self.schema.resource_schemas[request.type_name].block, proposed)
        return pb.PlanResourceChange.Response(planned_state=encode(proposed), planned_private=request.prior_private)

    def ApplyResourceChange(self, request, context):
        planned = decode(request.planned_state)
        if planned is None:
            return pb.ApplyResourceChange.Response(new_state=request.planned_state)
        apply_block(self.schema.resource_schemas[request.type_name].block, planned)
        return pb.ApplyResourceChange.Response(new_state=encode(planned), private=request.planned_private)

    def ImportResourceState(self, request, context):
        state = null_object(self.schema.resource_schemas[request.type_name].block)
        if "id" in state:
            state["id"] = request.id
        return pb.ImportResourceState.Response(
            imported_resources=[pb.ImportResourceState.ImportedResource(type_name=request.type_name, state=encode(state))]
        )

    def ReadDataSource(self, request, context):
        config = decode(request.config)
        if config is None:
            return pb.ReadDataSource.Response(state=request.config)
        read_data(self.schema.data_source_schemas[request.type_name].block, config)
        return pb.ReadDataSource.Response(state=encode(config))

    def StopProvider(self, request, context):
        return pb.StopProvider.Response()


def self_signed_certificate():
    """A fresh server certificate for go-plugin's automatic mutual TLS."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.DER), cert.public_bytes(serialization.Encoding.PEM), key_pem


def serve(schema_path):
    schema = load_schema(schema_path)
    stopped = threading.Event()

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request, context):
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request, context):
            return iter([])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_ProviderServicer_to_server(ReplayProvider(schema), server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)

    der, cert_pem, key_pem = self_signed_certificate()
    # Terraform trusts this certificate from the handshake; the client's own
    # certificate (PLUGIN_CLIENT_CERT) is not required back: the socket lives
    # in a private temporary folder.
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="infrac-provider-") as tmp:
        socket = os.path.join(tmp, "plugin.sock")
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        # go-plugin's handshake: core protocol 1, plugin protocol 6, the
        # address, gRPC, and the server certificate (unpadded base64 DER).
        cert = base64.b64encode(der).decode().rstrip("=")
        print(f"1|6|unix|{socket}|grpc|{cert}", flush=True)
        stopped.wait()
        server.stop(grace=None)
    # grpc's threads need not wind down: Terraform is waiting for the exit.
    os._exit(0)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--compile":
        with open(sys.argv[2]) as f:
            data = schema_response(json.load(f)).SerializeToString()
        with open(sys.argv[3], "wb") as f:
            f.write(data)
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    serve(sys.argv[1])


if __name__ == "__main__":
    main()
