"""Everything is in pyproject.toml except one thing it cannot say: the top-level ``resources/``
folder ships inside the package as ``app.resources`` (a ``package-dir`` mapping next to found
packages)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["app*"]), "app.resources"],
    package_dir={"app.resources": "resources"},
)
