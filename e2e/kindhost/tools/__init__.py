"""STAND-IN host tools of the kind-host twin (e2e only): `kind` and `docker` on the twin's PATH, and the
GPU tools inside the fake root (fakeroot.py). Each acts on the twin's own objects: the fake root, Docker
containers it labels as its own, the simulated control planes; never the machine's drivers or interfaces."""
