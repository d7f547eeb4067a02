"""Pure renderers of the platform add-ons (Calico, Multus, SR-IOV, nv-ipam, MetalLB): pinned bundles and objects
rendered from settings. The PlatformAddons component (components/addons.py) applies them."""
