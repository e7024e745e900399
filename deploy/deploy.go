// Package deploy holds the files an operator installs next to the binary:
// the nginx configurations and the systemd unit. The local cluster
// (place cluster) builds its nginx configuration from NginxConf.
package deploy

import _ "embed"

// NginxConf is deploy/nginx.conf: nginx in front of several instances.
//
//go:embed nginx.conf
var NginxConf string
