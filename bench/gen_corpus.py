#!/usr/bin/env python3
"""Write a synthetic manifest corpus of about SIZE_MB megabytes into DIR.

Mixed kinds in realistic proportions (Deployments with several containers, Services,
ConfigMaps, RBAC, NetworkPolicies, CronJobs), spread over 20 namespaces and many files
(about 50 documents per file), with varied names, images and settings so the scanner does
real work on each document. Deterministic: the same SIZE_MB gives the same bytes.

With --list, the same documents are written as one cluster dump, DIR/dump.yaml: a
`kind: List` whose items are the documents, laid out as `kubectl get -o yaml` writes it.
With --json-list, the same List as `kubectl get -o json` writes it (four-space indentation),
DIR/dump.json; SIZE_MB counts the YAML bytes, so it holds the objects of the YAML dump of that
size. Needs PyYAML (`pip install pyyaml`).

usage: gen_corpus.py [--list | --json-list] DIR SIZE_MB
"""
import os
import random
import sys

DEPLOY = """apiVersion: apps/v1
kind: {kind}
metadata:
  name: app-{i}
  namespace: ns-{ns}
  labels:
    app: app-{i}
    team: team-{team}
  annotations:
    description: "synthetic workload {i} for the palisade benchmark"
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
        team: team-{team}
    spec:
      serviceAccountName: sa-{team}
      securityContext:
        runAsNonRoot: {nonroot}
        seccompProfile:
          type: RuntimeDefault
      containers:
{containers}      volumes:
      - name: config
        configMap:
          name: cfg-{i}
      - name: cache
        emptyDir: {{}}
"""

CONTAINER = """      - name: c{j}
        image: registry.example.com/team-{team}/svc-{i}-{j}:{tag}
        imagePullPolicy: IfNotPresent
        args: ["--port=80{j}0", "--log-level=info", "--config=/etc/app/config.yaml"]
        ports:
        - containerPort: 80{j}0
          name: http-{j}
        env:
        - name: SERVICE_NAME
          value: svc-{i}-{j}
        - name: {envname}
          value: "{envvalue}"
        resources:
          requests:
            cpu: {cpu}m
            memory: {mem}Mi
          limits:
            memory: {memlim}Mi
        readinessProbe:
          httpGet:
            path: /ready
            port: 80{j}0
        securityContext:
          allowPrivilegeEscalation: {ape}
          privileged: {priv}
          readOnlyRootFilesystem: true
          capabilities:
            drop: ["ALL"]
        volumeMounts:
        - name: config
          mountPath: /etc/app
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: ns-{ns}
spec:
  type: {stype}
  selector:
    app: app-{i}
  ports:
  - name: http
    port: 80
    targetPort: 8010
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-{i}
  namespace: ns-{ns}
data:
  config.yaml: |
    server:
      port: 8010
      timeout: 30s
    features: [a, b, c]
  {key}: "{value}"
"""

ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: role-{i}
  namespace: ns-{ns}
rules:
- apiGroups: [""]
  resources: ["configmaps", "{res}"]
  verbs: ["get", "list", "{verb}"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: role-{i}
  namespace: ns-{ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: role-{i}
subjects:
- kind: ServiceAccount
  name: sa-{team}
  namespace: ns-{ns}
"""

NETPOL = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-{i}
  namespace: ns-{ns}
spec:
  podSelector:
    matchLabels:
      app: app-{i}
  ingress:
  - from:
    - podSelector:
        matchLabels:
          team: team-{team}
"""


def document(rng, i):
    ns = rng.randrange(20)
    team = rng.randrange(12)
    roll = rng.random()
    if roll < 0.45:
        containers = "".join(
            CONTAINER.format(
                j=j, i=i, team=team,
                tag=rng.choice(["1.2.3", "latest", "2.0.1", "stable", "3.1.0-rc1"]),
                envname=rng.choice(["LOG_FORMAT", "API_TOKEN", "REGION", "DB_PASSWORD"]),
                envvalue=rng.choice(["json", "s3cr3t-value", "eu-west-1", "x" * 12]),
                cpu=rng.choice([50, 100, 250]), mem=rng.choice([64, 128, 256]),
                memlim=rng.choice([256, 512]),
                ape=rng.choice(["false", "false", "true"]),
                priv=rng.choice(["false"] * 9 + ["true"]),
            )
            for j in range(rng.randrange(1, 4))
        )
        kind = rng.choice(["Deployment"] * 6 + ["StatefulSet", "DaemonSet"])
        return DEPLOY.format(kind=kind, i=i, ns=ns, team=team,
                             replicas=rng.choice([1, 2, 3]),
                             nonroot=rng.choice(["true", "false"]), containers=containers)
    if roll < 0.65:
        return SERVICE.format(i=i, ns=ns, stype=rng.choice(["ClusterIP"] * 4 + ["NodePort", "LoadBalancer"]))
    if roll < 0.82:
        return CONFIGMAP.format(i=i, ns=ns, key=rng.choice(["mode", "password", "endpoint"]),
                                value=rng.choice(["fast", "p@ss", "https://api.example.com"]))
    if roll < 0.92:
        return ROLE.format(i=i, ns=ns, team=team, res=rng.choice(["secrets", "pods", "services"]),
                           verb=rng.choice(["watch", "create", "*"]))
    return NETPOL.format(i=i, ns=ns, team=team)


def as_list_items(doc):
    """A document (or documents: a Role comes with its binding) as entries of the List's
    `items:`, at column 0 as kubectl writes them"""
    out = []
    for part in doc.rstrip("\n").split("\n---\n"):
        lines = part.split("\n")
        out.extend(("- " if k == 0 else "  " if line else "") + line + "\n"
                   for k, line in enumerate(lines))
    return "".join(out)


def main():
    args = sys.argv[1:]
    as_json = args[:1] == ["--json-list"]
    as_list = as_json or args[:1] == ["--list"]
    out, size_mb = args[as_list:][0], float(args[as_list:][1])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(42)
    target = int(size_mb * 1_000_000)
    written, i, n = 0, 0, 0
    dump = open(os.path.join(out, "dump.yaml"), "w") if as_list else None
    if dump:
        dump.write("apiVersion: v1\nitems:\n")
    while written < target:
        docs = []
        for _ in range(50):
            docs.append(document(rng, i))
            i += 1
        if dump:
            text = "".join(as_list_items(d) for d in docs)
            dump.write(text)
        else:
            text = "---\n".join(docs)
            with open(os.path.join(out, f"m{n:05d}.yaml"), "w") as f:
                f.write(text)
        written += len(text)
        n += 1
    if dump:
        dump.write('kind: List\nmetadata:\n  resourceVersion: ""\n')
        dump.close()
        if as_json:
            import json
            import yaml
            path = os.path.join(out, "dump.yaml")
            with open(path) as f:
                listed = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            with open(os.path.join(out, "dump.json"), "w") as f:
                json.dump(listed, f, indent=4)
                f.write("\n")
            os.remove(path)
        print(f"wrote 1 file, {i} documents, {written} bytes to {out}")
    else:
        print(f"wrote {n} files, {i} documents, {written} bytes to {out}")


if __name__ == "__main__":
    main()
