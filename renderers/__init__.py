"""Pure renderers: stack settings in, text and objects out (the Kind config, image specs, the controller's and
the add-ons' manifests); no Pulumi resources and no host access here."""
