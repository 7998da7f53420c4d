#!/usr/bin/env python3
"""Vendors the Kubernetes schemas infrac checks raw manifests against.

Usage: vendor_kubernetes_schemas.py DEFINITIONS_JSON CERT_MANAGER_CRDS_DIR

  DEFINITIONS_JSON       `_definitions.json` of kubernetes-validate's
                         `v1.33.0-local-strict` folder (PyPI
                         `kubernetes-validate==1.37.0`): the API's OpenAPI
                         definitions as JSON Schema, unknown fields refused.
  CERT_MANAGER_CRDS_DIR  `deploy/crds/` of cert-manager at tag v1.21.1.

Writes `schemas/kubernetes/kubernetes-1.33.json` and
`schemas/kubernetes/crds/cert-manager.json`. Descriptions are dropped
(they are most of the bytes); nothing else is changed.
"""
import json
import pathlib
import sys

import yaml

OUT = pathlib.Path(__file__).resolve().parent.parent / "schemas" / "kubernetes"

# Core kinds that live outside namespaces (the API's discovery says so; the
# OpenAPI definitions do not).
CLUSTER_SCOPED = sorted([
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
    "ClusterTrustBundle", "ComponentStatus", "CSIDriver", "CSINode",
    "CustomResourceDefinition", "DeviceClass", "FlowSchema", "IngressClass", "IPAddress",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
    "PriorityClass", "PriorityLevelConfiguration", "ResourceSlice", "RuntimeClass",
    "SelfSubjectAccessReview", "SelfSubjectReview", "SelfSubjectRulesReview",
    "ServiceCIDR", "StorageClass", "StorageVersion", "StorageVersionMigration",
    "SubjectAccessReview", "TokenReview", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration",
    "VolumeAttachment", "VolumeAttributesClass",
])


def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k != "description"}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def main() -> int:
    definitions, crds_dir = map(pathlib.Path, sys.argv[1:3])
    defs = json.loads(definitions.read_text())["$defs"]
    core = {"$defs": strip(defs), "cluster-scoped": CLUSTER_SCOPED}
    (OUT / "kubernetes-1.33.json").write_text(
        json.dumps(core, sort_keys=True, separators=(",", ":")) + "\n")
    crds = []
    for name in ["cert-manager.io_certificates.yaml", "cert-manager.io_clusterissuers.yaml",
                 "cert-manager.io_issuers.yaml"]:
        doc = yaml.safe_load((crds_dir / name).read_text())
        crds.append(strip(doc))
    (OUT / "crds").mkdir(exist_ok=True)
    (OUT / "crds" / "cert-manager.json").write_text(
        json.dumps(crds, sort_keys=True, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
