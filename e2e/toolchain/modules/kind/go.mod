// Tools module: the kind CLI (its config loader validates the rendered kind configs).
module openkasugai-aio/e2e/toolchain/kind

go 1.26

require (
	github.com/BurntSushi/toml v1.4.0 // indirect
	github.com/alessio/shellescape v1.4.2 // indirect
	github.com/evanphx/json-patch/v5 v5.6.0 // indirect
	github.com/google/safetext v0.0.0-20220905092116-b49f7bc46da2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/pelletier/go-toml v1.9.5 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/spf13/cobra v1.8.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
	golang.org/x/sys v0.6.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
	sigs.k8s.io/kind v0.24.0 // indirect
	sigs.k8s.io/yaml v1.4.0 // indirect
)

tool sigs.k8s.io/kind
